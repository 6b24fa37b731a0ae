from django.urls import path

from organizations import views

app_name = "organizations"

urlpatterns = [
    path("settings/", views.settings_general, name="settings"),
]
