"""Make the load test's accounts (one organisation each) and the demo consultation, quickly: every account
shares one precomputed password hash."""

import sys

import django

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402

from evidence import demo  # noqa: E402
from evidence.models import Membership, Organisation, OrganisationType, Region  # noqa: E402

users = int(sys.argv[1])
consultation = demo.ensure_consultation()
demo.ensure_accounts(consultation)
User = get_user_model()
password = make_password("load-test-password-2026")
org_type, region = OrganisationType.objects.get(slug="cdmo"), Region.objects.get(slug="wales")
for n in range(1, users + 1):
    email = f"load-{n}@bench.example"
    user, created = User.objects.get_or_create(username=email, defaults={"email": email, "password": password})
    if created:
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        organisation = Organisation.objects.create(
            name=f"Load Test Pharma {n} Ltd", organisation_type=org_type, size_band="medium", region=region
        )
        Membership.objects.create(user=user, organisation=organisation)
print(f"{users} load-test accounts ready")
