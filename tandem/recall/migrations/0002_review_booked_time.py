from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("recall", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="booked_time",
            field=models.TimeField(blank=True, help_text="the tests appointment's time (practice time)", null=True),
        ),
        migrations.AddField(
            model_name="reviewevent",
            name="appointment_time",
            field=models.TimeField(blank=True, null=True),
        ),
    ]
