from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_a_migration() -> None:
    output = StringIO()
    try:
        call_command(
            "makemigrations", "--check", "--dry-run", stdout=output, stderr=output
        )
    except SystemExit:
        pytest.fail(
            "Models changed without a migration; run "
            "`manage.py makemigrations --name <what_changed>`:\n" + output.getvalue()
        )
