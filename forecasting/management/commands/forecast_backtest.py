import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from forecasting.backtest import format_table, run_backtest
from forecasting.csv_history import CsvHistoryError, read_history


class Command(BaseCommand):
    help = (
        "Back-test the payment forecast on a CSV history in the column layout of ar_ibm.csv: train on the "
        "first 75% of the invoices in time, forecast the rest at their issue dates, and print the metrics."
    )

    def add_arguments(self, parser):
        parser.add_argument("--csv", metavar="FILE", required=True, help="CSV file with the ar_ibm.csv columns")
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
        try:
            loaded = read_history(Path(options["csv"]))
        except FileNotFoundError:
            raise CommandError(f"--csv {options['csv']!r}: file not found; give the path of a CSV file.") from None
        except CsvHistoryError as error:
            raise CommandError(str(error)) from None
        for line, message in loaded.bad_rows:
            self.stderr.write(f"line {line} skipped: {message}")

        with_flag = not options["without_disputed"]
        result = run_backtest(loaded.history, train_share=share, use_disputed=with_flag)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        results = [result]
        if with_flag:
            results.append(run_backtest(loaded.history, train_share=share, use_disputed=False))
        self.stdout.write(format_table(results))
        self.stdout.write("")
        self.stdout.write("By the debtor's paid invoices before the forecast (with the first run's features):")
        for row in result.by_history:
            self.stdout.write(
                f"  {row['paid_before']:>6} paid: {row['invoices']:>6} invoices, coverage {row['coverage']:.3f}, "
                f"width {row['mean_width_days']:.1f} days, MAE {row['mae_days']:.2f} days"
            )
