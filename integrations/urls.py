from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.list, name="list"),
    path("connect/<str:provider_id>/", views.connect_start, name="connect"),
    path("select/<str:token>/", views.select_accounts, name="select"),
    path("customers/", views.customer_create, name="customer_create"),
    path("customers/<int:pk>/rename/", views.customer_rename, name="customer_rename"),
    path("customers/<int:pk>/delete/", views.customer_delete, name="customer_delete"),
    path("customers/<int:pk>/approvals/", views.customer_approvals, name="customer_approvals"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/rename/", views.rename, name="rename"),
    path("<int:pk>/customer/", views.set_customer, name="customer"),
    path("<int:pk>/times/", views.posting_times, name="times"),
    path("<int:pk>/preferences/", views.preferences, name="preferences"),
    path("<int:pk>/disable/", views.disable, name="disable"),
    path("<int:pk>/enable/", views.enable, name="enable"),
    path("<int:pk>/check/", views.check, name="check"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
