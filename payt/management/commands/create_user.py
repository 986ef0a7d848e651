from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from payt.models import Organization, Role
from payt.services import user_create_in_organization


class Command(BaseCommand):
    help = "Create a dashboard user and add it to an organisation with a role."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="Organisation slug")
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", default=Role.CREDIT_CONTROLLER, choices=Role.values)

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"Organisation {options['organization']!r} not found; check the slug.") from None
        try:
            user_create_in_organization(
                organization=organization, email=options["email"], password=options["password"], role=options["role"]
            )
        except ValidationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"User {options['email']} is {options['role']} in {organization.slug}")
