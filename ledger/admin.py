"""Read-only views of checkpoints and witness activity; nothing here can change the ledger."""

import base64

from django.contrib import admin

from .models import Checkpoint, Cosignature, WitnessRefusal, WitnessState


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _b64(value) -> str:
    return base64.b64encode(bytes(value)).decode("ascii") if value is not None else "-"


class CosignatureInline(admin.TabularInline):
    model = Cosignature
    fields = ("witness", "created", "line")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ("size", "root_base64", "created")
    fields = ("size", "root_base64", "created", "note")
    readonly_fields = fields
    inlines = [CosignatureInline]

    @admin.display(description="root")
    def root_base64(self, obj):
        return _b64(obj.root)


@admin.register(WitnessState)
class WitnessStateAdmin(ReadOnlyAdmin):
    list_display = ("witness", "size", "root_base64", "updated")
    fields = list_display
    readonly_fields = fields

    @admin.display(description="root")
    def root_base64(self, obj):
        return _b64(obj.root)


@admin.register(WitnessRefusal)
class WitnessRefusalAdmin(ReadOnlyAdmin):
    list_display = ("created", "witness", "size", "signed_size", "reason")
    list_filter = ("witness",)
    fields = (
        "created",
        "witness",
        "size",
        "root_base64",
        "signed_size",
        "signed_root_base64",
        "reason",
    )
    readonly_fields = fields

    @admin.display(description="root")
    def root_base64(self, obj):
        return _b64(obj.root)

    @admin.display(description="root it had signed")
    def signed_root_base64(self, obj):
        return _b64(obj.signed_root)
