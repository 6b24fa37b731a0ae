"""Organization pages that are not inside one organization."""

from django.urls import path

from organizations import views

urlpatterns = [
    path("o/new/", views.organization_create, name="organization_create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
