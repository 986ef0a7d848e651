from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from payt.models import Organization
from payt.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for an organisation and print it once; only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="Organisation slug")
        parser.add_argument("--name", required=True, help="Name of the key, for example the accounting package")

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"Organisation {options['organization']!r} not found; check the slug.") from None
        try:
            _, plain_key = api_key_create(organization=organization, name=options["name"])
        except ValidationError as error:
            raise CommandError("; ".join(" ".join(msgs) for msgs in error.message_dict.values())) from None
        self.stdout.write(plain_key)
