from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("checkpoint", views.latest_checkpoint, name="checkpoint"),
    path("checkpoint/<str:size>", views.checkpoint, name="checkpoint-size"),
    path("keys", views.verifier_keys, name="keys"),
    path("proof/inclusion", views.inclusion_proof, name="inclusion-proof"),
    path("proof/consistency", views.consistency_proof, name="consistency-proof"),
    path("entries/<str:seq>", views.entry, name="entry"),
    path("tile/entries/<path:path>", views.entry_bundle, name="entry-bundle"),
    path("tile/<path:path>", views.hash_tile, name="tile"),
]
