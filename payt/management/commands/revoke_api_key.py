from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from payt.models import Organization
from payt.services import api_key_revoke


class Command(BaseCommand):
    help = "Revoke an organisation's active API key by name; requests with it then get 401."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="Organisation slug")
        parser.add_argument("--name", required=True, help="Name the key was created with")

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"Organisation {options['organization']!r} not found; check the slug.")
        try:
            api_key = api_key_revoke(organization=organization, name=options["name"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Revoked API key {api_key.name} ({api_key.prefix}…) of {organization.slug}")
