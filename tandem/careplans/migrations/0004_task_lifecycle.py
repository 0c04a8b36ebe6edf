"""Tasks from care plans get a lifecycle: open becomes requested, done becomes completed (with an
outcome saying so, as a completed task needs one), each with its history from its creation."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# A task marked done before outcomes were recorded: said so, in the outcome it now needs.
DONE_BEFORE = "Marked done (before outcomes were recorded)."


def statuses_and_history(apps, schema_editor):
    Task = apps.get_model("careplans", "Task")
    TaskEvent = apps.get_model("careplans", "TaskEvent")
    Task.objects.filter(status="open").update(status="requested")
    Task.objects.filter(status="done").update(status="completed", outcome=DONE_BEFORE)
    TaskEvent.objects.bulk_create(
        [TaskEvent(practice_id=t.practice_id, task_id=t.pk, patient_id=t.patient_id, kind="created", status="requested",
                   to_role=t.to_role, to_user_id=t.to_user_id, due_on=t.due_on, at=t.created_at,
                   by_id=t.created_by_id) for t in Task.objects.order_by("pk").iterator()],
        batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('careplans', '0003_plan_pdfs_kept_per_version'),
        ('core', '0005_membership_left'),
        ('patients', '0003_home_visit_adjustment'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TaskEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('created', 'Requested'), ('accepted', 'Accepted'), ('started', 'Started'), ('completed', 'Completed'), ('declined', 'Declined'), ('cancelled', 'Cancelled'), ('reassigned', 'Reassigned'), ('due_changed', 'Due date changed')], max_length=12)),
                ('status', models.CharField(choices=[('requested', 'Requested'), ('accepted', 'Accepted'), ('in_progress', 'In progress'), ('completed', 'Completed'), ('declined', 'Declined'), ('cancelled', 'Cancelled')], help_text="the task's status after it", max_length=12)),
                ('to_role', models.CharField(blank=True, max_length=12)),
                ('due_on', models.DateField(blank=True, null=True)),
                ('note', models.CharField(blank=True, help_text='the outcome, or the reason declined', max_length=1000)),
                ('at', models.DateTimeField()),
            ],
            options={
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='task',
            name='decline_reason',
            field=models.CharField(blank=True, help_text='why it was declined', max_length=500),
        ),
        migrations.AddField(
            model_name='task',
            name='outcome',
            field=models.CharField(blank=True, help_text='what was done (required to complete)', max_length=1000),
        ),
        migrations.AddField(
            model_name='task',
            name='revision',
            field=models.PositiveIntegerField(default=1, help_text='goes up with every change: a change made on an out-of-date page is refused (`version` is the plan version)'),
        ),
        migrations.AddField(
            model_name='task',
            name='updated_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='task',
            name='updated_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='task',
            name='status',
            field=models.CharField(choices=[('requested', 'Requested'), ('accepted', 'Accepted'), ('in_progress', 'In progress'), ('completed', 'Completed'), ('declined', 'Declined'), ('cancelled', 'Cancelled')], default='requested', max_length=12),
        ),
        migrations.AddField(
            model_name='taskevent',
            name='by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='taskevent',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='patients.patient'),
        ),
        migrations.AddField(
            model_name='taskevent',
            name='practice',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.practice'),
        ),
        migrations.AddField(
            model_name='taskevent',
            name='task',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='careplans.task'),
        ),
        migrations.AddField(
            model_name='taskevent',
            name='to_user',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(statuses_and_history, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='task',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'completed'), _negated=True), models.Q(('outcome', ''), _negated=True), _connector='OR'), name='task_completed_has_outcome'),
        ),
        migrations.AddConstraint(
            model_name='task',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'declined'), _negated=True), models.Q(('decline_reason', ''), _negated=True), _connector='OR'), name='task_declined_has_reason'),
        ),
    ]
