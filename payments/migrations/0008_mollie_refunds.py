# Refunds on Mollie payments, each with its credit note and the amount already applied.

import django.db.models.deletion
import uuid
from decimal import Decimal
from django.db import migrations, models

from payt.rls import enable_tenant_rls


class Migration(migrations.Migration):

    dependencies = [
        ('invoices', '0007_invoice_cancelled_replaced_by'),
        ('payments', '0007_row_level_security_payment_plans'),
        ('payt', '0006_organization_payment_reference_scheme'),
    ]

    operations = [
        migrations.CreateModel(
            name='MollieRefund',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('mollie_id', models.CharField(max_length=40)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='amount')),
                ('status', models.CharField(max_length=12, verbose_name='Mollie status')),
                ('source', models.CharField(choices=[('requested', 'Requested here'), ('mollie', 'Made at Mollie')], max_length=10, verbose_name='source')),
                ('description', models.CharField(blank=True, max_length=255, verbose_name='description')),
                ('applied_amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('credit_note', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='mollie_refunds', to='invoices.invoice')),
                ('mollie_payment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='refunds', to='payments.molliepayment')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='payt.organization')),
            ],
            options={
                'ordering': ['created_at'],
                'constraints': [models.UniqueConstraint(fields=('organization', 'mollie_id'), name='mollierefund_unique_mollie_id')],
            },
        ),
        enable_tenant_rls("payments_mollierefund"),
    ]
