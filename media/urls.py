from django.urls import path

from media import views

app_name = "media"

urlpatterns = [
    path("", views.library, name="library"),
    path("picker/", views.picker, name="picker"),
    path("upload/", views.upload, name="upload"),
    path("upload/url/", views.upload_from_url, name="upload_url"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
