"""What ``OPTIONS`` answers on the API: the resource's name, description and media types.

Its methods are in the ``Allow`` header and its request and response bodies in ``/api/schema/``,
so no form of the bodies is guessed here (DRF's default builds one from a serializer that most of
these views do not declare, and failed where they did not).
"""

from rest_framework.metadata import SimpleMetadata


class ResourceMetadata(SimpleMetadata):
    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": request.build_absolute_uri("/api/schema/"),
        }
