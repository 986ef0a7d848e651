#!/bin/sh
# Create the app role and its database on the first start of the postgres container
# (scripts in /docker-entrypoint-initdb.d run once, on an empty data folder).
# The role is neither superuser nor BYPASSRLS, because those skip row-level security.
set -eu

psql --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set app_password="$PAYT_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE payt_app LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD :'app_password';
CREATE DATABASE payt OWNER payt_app;
SQL
