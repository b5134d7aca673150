from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)


@pytest.mark.django_db
def test_regions_are_loaded_with_their_codes():
    from rectify.orgs.models import Region

    assert Region.objects.count() == 32
    assert Region.objects.get(code="440000").name == "广东省"
    assert Region.objects.get(code="660000").name == "新疆生产建设兵团"
