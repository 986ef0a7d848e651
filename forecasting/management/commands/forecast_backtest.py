import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from forecasting.backtest import format_table, run_backtest
from forecasting.csv_history import CsvHistoryError, read_history
from forecasting.synthetic import generate_history

# Rule of thumb, not a guarantee: the first 200 invoices of ar_ibm.csv, all paid, back-test with the
# default settings, and the first 30 do not.
MIN_INVOICES_HINT = 200


class Command(BaseCommand):
    help = (
        "Back-test the payment forecast on a CSV history in the column layout of ar_ibm.csv: train on the "
        "first 75% of the invoices in time, forecast the rest at their issue dates, and print the metrics."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--csv", metavar="FILE", help="CSV file with the ar_ibm.csv columns")
        source.add_argument(
            "--generated",
            metavar="N",
            type=int,
            help="Back-test on N generated invoices with known behaviour per debtor type instead of a file",
        )
        parser.add_argument("--seed", type=int, default=1, help="Seed of the generated history (with --generated)")
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of a table")
        parser.add_argument(
            "--train-share", type=float, default=0.75, help="Share of the invoices, in time, to train on (0-1)"
        )
        parser.add_argument(
            "--without-disputed",
            action="store_true",
            help="Leave the Disputed flag out of the features (the table shows both runs anyway)",
        )

    def handle(self, *args, **options):
        share = options["train_share"]
        if not 0.1 <= share <= 0.95:
            raise CommandError(f"--train-share {share} is out of range; use a share between 0.1 and 0.95.")
        history, true_settled = self._history(options)
        with_flag = not options["without_disputed"]
        result = self._run(history, share, with_flag, true_settled)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        results = [result]
        if with_flag:
            results.append(self._run(history, share, False, true_settled))
        self.stdout.write(format_table(results))
        self.stdout.write("")
        self.stdout.write("By the debtor's paid invoices before the forecast (with the first run's features):")
        for row in result.by_history:
            self.stdout.write(
                f"  {row['paid_before']:>6} paid: {row['invoices']:>6} invoices, coverage {row['coverage']:.3f}, "
                f"width {row['mean_width_days']:.1f} days, MAE {row['mae_days']:.2f} days"
            )

    def _run(self, history, share, use_disputed, true_settled):
        """Run the back-test, turning a history that is too short for the model into a CommandError."""
        paid = int((~history.is_open).sum())
        if paid == 0:
            raise CommandError(
                f"None of the {len(history)} invoices is paid; the back-test needs paid invoices, "
                "so fill in SettledDate for the paid ones."
            )
        try:
            return run_backtest(history, train_share=share, use_disputed=use_disputed, true_settled=true_settled)
        except ValueError as error:
            # NOTE: with about 100 invoices a calibration fold can be too small for scikit-learn's
            # binning. Its own ValueError is then reported as a training failure.
            reason = str(error) if str(error).startswith("history too short") else f"training failed ({error})"
            raise CommandError(
                f"The back-test cannot run on {len(history)} invoices ({paid} paid): {reason}. "
                f"The model trains on the first {share:.0%} of the invoices in time and calibrates on the paid "
                f"ones among them, so use a longer history: at least {MIN_INVOICES_HINT} invoices, most of them "
                "paid, or a larger --train-share."
            ) from None

    def _history(self, options):
        """Return (history, real settle days or None) from the CSV file or the generator."""
        if options["generated"] is not None:
            if options["generated"] < 1000:
                raise CommandError(f"--generated {options['generated']} is too small; use at least 1000 invoices.")
            generated = generate_history(options["generated"], seed=options["seed"])
            return generated.history, generated.true_settled
        try:
            loaded = read_history(Path(options["csv"]))
        except FileNotFoundError:
            raise CommandError(f"--csv {options['csv']!r}: file not found; give the path of a CSV file.") from None
        except CsvHistoryError as error:
            raise CommandError(str(error)) from None
        for line, message in loaded.bad_rows:
            self.stderr.write(f"line {line} skipped: {message}")
        return loaded.history, None
