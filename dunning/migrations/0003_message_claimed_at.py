from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dunning", "0002_row_level_security")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
