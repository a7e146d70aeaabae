from django.urls import path

from . import views

app_name = "licensing"
urlpatterns = [
    path("", views.licence_list, name="list"),
    path("apply/", views.licence_apply, name="apply"),
    path("<uuid:uuid>/", views.licence_detail, name="detail"),
    path("<uuid:uuid>/actions/<slug:move>/", views.licence_move, name="move"),
]
