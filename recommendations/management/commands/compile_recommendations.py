import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from evidence.models import Consultation
from recommendations import services
from recommendations.models import CompilationRun


class Command(BaseCommand):
    help = "Start a compilation of draft recommendations for a consultation. Prints 'run ID' first."

    def add_arguments(self, parser):
        parser.add_argument("--consultation", required=True, help="The consultation's slug.")
        parser.add_argument("--wait", action="store_true", help="Wait for the run to end and print a summary.")
        parser.add_argument("--timeout", type=int, default=3600, help="Seconds to wait at most (with --wait).")

    def handle(self, *args, consultation: str, wait: bool, timeout: int, **options):
        found = Consultation.objects.filter(slug=consultation).first()
        if found is None:
            known = ", ".join(Consultation.objects.values_list("slug", flat=True)[:10]) or "none"
            raise CommandError(f"No consultation with the slug '{consultation}' (known: {known}).")
        try:
            run = services.compilation_start(consultation=found, parameters={"source": "command line"})
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"run {run.pk}")
        self.stdout.flush()
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while True:
            run.refresh_from_db()
            if run.is_finished:
                break
            if time.monotonic() > deadline:
                raise CommandError(f"Run {run.pk} is still {run.get_state_display().lower()} after {timeout} s.")
            time.sleep(0.5)
        seconds = f"{run.seconds:.1f} s" if run.seconds is not None else "–"
        self.stdout.write(f"{run.get_state_display()} in {seconds}: {run.summary or run.error}")
        for result in run.results.select_related("component"):
            self.stdout.write(f"  {result.component.name}: {result.message}")
        if run.state == CompilationRun.State.FAILED:
            raise CommandError(f"Run {run.pk} failed: {run.error}")
