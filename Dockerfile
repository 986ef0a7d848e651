# Production-like image for web, worker and beat (see docker-compose.yml).
# NOTE: not built yet: the machines this was written on have no Docker engine.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint loads Pango and HarfBuzz at run time. The fonts are the PDF font stack of
# invoices/pdf.py (Latin, Greek and Cyrillic, Arabic, Hangul, and a fallback).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-liberation fonts-noto-core fonts-nanum fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The lock pins the development tools too, so the image can also run the test suite.
COPY requirements.lock ./
RUN pip install --requirement requirements.lock

# The app runs from /app, where manage.py, templates/, static/ and locale/ live.
COPY . .
# .data/ holds uploaded media (MEDIA_ROOT), the one folder the app writes to.
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin payt \
    && mkdir -p /app/.data/media \
    && chown -R payt /app/.data

# Settings refuse to load without these in production; collectstatic only needs them to be
# present, so build-time placeholders are enough.
RUN SECRET_KEY=collectstatic-build-placeholder \
    REDIS_URL=redis://127.0.0.1:6379/0 \
    MOLLIE_API_KEY=collectstatic-build-placeholder \
    python manage.py collectstatic --noinput

USER payt
ENV PORT=8000
EXPOSE 8000
CMD ["sh", "-c", "exec gunicorn payt.wsgi --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-2} --access-logfile -"]
