"""python manage.py import_leads FILE [--source NAME] [--list NAME]

The same import as the web page, run in this process, with the same report. Exits
non-zero only when the file cannot be read at all (missing, empty, binary, no Email
column); rows that cannot be imported are reported and the good ones are imported.
"""

from django.core.management.base import BaseCommand, CommandError

from leads import importing, services
from leads.models import ImportRejection


class Command(BaseCommand):
    help = "Import leads from a CSV file and print the report (imported, duplicates, rejected)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV file.")
        parser.add_argument("--source", default="", help="Lead source for rows without one.")
        parser.add_argument("--list", dest="list_name", default="", help="Name of the lead list.")

    def handle(self, *args, file, source, list_name, **options):
        try:
            lead_list = services.lead_import_file(path=file, name=list_name, source=source)
        except FileNotFoundError as error:
            raise CommandError(f"Cannot read {file}: no such file.") from error
        except (OSError, importing.ImportFileError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        if lead_list.status == lead_list.Status.FAILED:
            raise CommandError(f"Cannot read {file}: {lead_list.error}")
        write = self.stdout.write
        total = lead_list.imported_count + lead_list.duplicate_count + lead_list.rejected_count
        write(f"Lead list “{lead_list.name}” (id {lead_list.pk}), source “{lead_list.source}”")
        write(f"  read as {lead_list.encoding}, separated by “{lead_list.delimiter}”")
        write(f"  rows:       {total}")
        write(self.style.SUCCESS(f"  imported:   {lead_list.imported_count}"))
        write(f"  duplicates: {lead_list.duplicate_count}")
        write(f"  rejected:   {lead_list.rejected_count}")
        rejections = ImportRejection.objects.filter(lead_list=lead_list).order_by("line_number")
        if lead_list.duplicate_count or lead_list.rejected_count:
            write("\nRows not imported:")
            for rejection in rejections.iterator(chunk_size=2000):
                write(
                    f"  line {rejection.line_number}: {rejection.get_kind_display().lower()}: "
                    f"{rejection.reason}"
                )
