from django.apps import AppConfig


class BillingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from billing import limits
        from organizations import limits as organization_limits

        # Members are made in organizations, which checks its limit through this hook.
        organization_limits.register(limits.check)
