from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("careplans", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="localservice",
            name="conditions",
            field=models.JSONField(blank=True, default=list,
                                   help_text="the registers (slugs) the service is for; empty: for anyone"),
        ),
    ]
