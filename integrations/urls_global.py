"""Channel URLs outside /o/<slug>/: the OAuth callback networks redirect to, the staff's
network setup page and the channel pictures kept here.

It is one fixed URL per network (registered with the network's app), so the
organization travels in the session-bound ``state`` instead of the path.
"""

from django.urls import path

from integrations import views

urlpatterns = [
    path("integrations/<str:provider_id>/callback/", views.callback, name="integrations_callback"),
    path("integrations/setup/", views.network_setup, name="integrations_setup"),
    # Channel pictures kept here: the random name is the key (as for media files).
    path("integrations/pictures/<str:name>", views.channel_picture, name="integrations_picture"),
]
