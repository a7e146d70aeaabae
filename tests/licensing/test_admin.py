"""The admin shows licences and their write-offs, and changes none of them."""

from eport.licensing.clearance import Citation, write_off
from eport.licensing.models import Licence

from . import factories as f


def test_licences_are_read_only_in_the_admin(admin_client, world):
    licence = f.approved_licence(world.trader, officer=world.officer)
    write_off(
        company_id=licence.company_id,
        citations=[Citation(1, "2709000000", 5, "KGM", 500, licence.number)],
        reference_prefix="220120261000000007",
        actor=world.customs,
    )

    listing = admin_client.get("/admin/licensing/licence/")
    assert listing.status_code == 200
    assert licence.number in listing.content.decode()
    page = admin_client.get(f"/admin/licensing/licence/{licence.pk}/change/")
    assert page.status_code == 200
    assert "220120261000000007/1" in page.content.decode()
    assert admin_client.get("/admin/licensing/licence/add/").status_code == 403
    admin_client.post(f"/admin/licensing/licence/{licence.pk}/delete/", {"post": "yes"})
    assert Licence.objects.filter(pk=licence.pk).exists()
