from django.urls import path

from . import views

app_name = "saved"
urlpatterns = [
    path("", views.saved_index, name="index"),
    path("parties/new/", views.party_edit, name="party_new"),
    path("parties/<uuid:uuid>/", views.party_edit, name="party_edit"),
    path("parties/<uuid:uuid>/delete/", views.party_delete, name="party_delete"),
    path("goods-lines/new/", views.goods_line_edit, name="goods_line_new"),
    path("goods-lines/<uuid:uuid>/", views.goods_line_edit, name="goods_line_edit"),
    path("goods-lines/<uuid:uuid>/delete/", views.goods_line_delete, name="goods_line_delete"),
    path("from/<uuid:uuid>/", views.save_from_declaration, name="from_declaration"),
]
