"""An index for the trader's dashboard (measured on 100,000 declarations, 21,000 of one company).

The dashboard lists a company's declarations by last change, newest first. Without this index
PostgreSQL read and sorted every declaration of the company for each page (50-160 ms for the
largest filer); with it the first page is read straight from the index (under 1 ms).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("declarations", "0002_queue_and_listing_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="declaration",
            index=models.Index(
                fields=["company", "-updated_at", "-id"], name="decl_company_updated"
            ),
        ),
    ]
