from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = "Channels"

    def ready(self):
        from integrations.services import CustomerLimits
        from organizations import customer_limits

        customer_limits.register(CustomerLimits())
