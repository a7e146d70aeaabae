"""Documents previewed in the declaration page: inline, framed only by eport, never sniffed."""

from django.urls import reverse

from . import factories as f


def preview_url(document) -> str:
    return reverse("declarations:document_preview", args=[document.uuid])


def test_a_pdf_is_served_inline_with_its_checked_type_never_sniffed(client, world):
    declaration = f.draft(world.trader)
    document = f.attach(declaration, world.trader, "380")
    client.force_login(world.trader)

    response = client.get(preview_url(document))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    # Framed by eport's own pages only.
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "frame-ancestors 'none'" not in csp
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert b"".join(response.streaming_content) == f.PDF


def test_the_download_stays_an_attachment_that_no_page_may_frame(client, world):
    declaration = f.draft(world.trader)
    document = f.attach(declaration, world.trader, "380")
    client.force_login(world.trader)

    response = client.get(reverse("declarations:document", args=[document.uuid]))

    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_page_shows_a_pdf_in_a_frame_and_an_image_as_an_image(client, world):
    declaration = f.draft(world.trader)
    pdf = f.attach(declaration, world.trader, "380")
    image = f.attach(declaration, world.trader, "271", content=f.PNG, name="packing.png")
    client.force_login(world.trader)

    response = client.get(reverse("declarations:detail", args=[declaration.uuid]))
    page = response.content.decode()

    assert f'<iframe class="preview__frame" src="{preview_url(pdf)}"' in page
    assert f'<img class="preview__image" src="{preview_url(image)}"' in page
    csp = response["Content-Security-Policy"]
    # The page may frame its own documents and nothing else; objects and inline script stay out.
    assert "frame-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"


def test_an_image_preview_is_an_image_with_its_own_type(client, world):
    declaration = f.draft(world.trader)
    image = f.attach(declaration, world.trader, "271", content=f.JPEG, name="photo.jpg")
    client.force_login(world.trader)

    response = client.get(preview_url(image))

    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_another_company_or_office_cannot_preview_a_document(client, world):
    declaration = f.submitted(world.trader, "yellow")
    document = declaration.documents.first()

    for outsider in (world.trader2, world.beijing_officer):
        client.force_login(outsider)
        assert client.get(preview_url(document)).status_code == 404
    client.force_login(world.officer)
    assert client.get(preview_url(document)).status_code == 200
