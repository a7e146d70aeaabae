from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("reference/hs/<str:code>/", views.hs_lookup, name="hs_lookup"),
    path("language/", views.set_language, name="set_language"),
]
