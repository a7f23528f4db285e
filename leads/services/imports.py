"""Importing lead lists: a vendor's CSV uploaded, its columns mapped, then imported in
batches by a worker, with every row that did not become a lead reported with its line
number and why. Reading and parsing the file is leads.importing (no database)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from notifications.services import notification_send
from smarketing import outbox
from smarketing.audit import audit_record
from smarketing.db import tables_analyze

from .. import importing
from ..models import Account, ImportRejection, Lead, LeadList
from ..policies import MarketingPolicy

IMPORT_BATCH_SIZE = 1000
# A running import's task stamps heartbeat_at at its start and with every batch (a batch
# of 1,000 rows takes well under a second). A stamp older than this: its worker died
# (killed, out of memory, the machine gone) and the broker would give the task back only
# after its visibility timeout, an hour. Beat's sweep (every 15 s) queues it again, so it
# resumes after its last committed batch within a minute. (A delivery of the task runs
# it whatever the stamp says, so that a task given back at once when a prefork child
# dies resumes at once. The price: a batch that took over 40 s while its worker lived
# would be run by a second task too; emails are unique, so its rows would be reported
# as duplicates, never imported twice.)
IMPORT_STALE_AFTER = timedelta(seconds=40)
# An import that stopped this many times (a row that kills the worker?) is failed.
IMPORT_RESUMES_MAX = 3


def _fit(text: str, model, field: str) -> str:
    """A default derived from the file name, cut to the field's length: a 94-character
    name made a default source past its 100 characters, and a refusal (a 500)."""
    limit = model._meta.get_field(field).max_length
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _validation_error_for(error: importing.ImportFileError) -> ValidationError:
    return ValidationError(str(error), code="unreadable")


@transaction.atomic
def _list_stored(*, user, filename, content, size, name, source, persona):
    """A new (unsaved) LeadList holding the stored file, with the file's shape read
    (encoding, separator, header, rows). A file that cannot be read is deleted again
    and its ImportFileError raised, so nothing is left behind for it."""
    lead_list = LeadList(
        name=name or _fit(filename, LeadList, "name"),
        source=source or _fit(f"Import: {filename}", LeadList, "source"),
        persona=persona,
        original_filename=filename,
        file_size=size,
        created_by=user,
    )
    lead_list.file.save(filename, content, save=False)
    try:
        analysis = importing.analyse_file(default_storage.path(lead_list.file.name))
    except BaseException:
        lead_list.file.delete(save=False)
        raise
    lead_list.encoding = analysis.encoding
    lead_list.delimiter = analysis.delimiter
    lead_list.header = analysis.header
    lead_list.total_rows = analysis.row_count
    return lead_list, analysis


def lead_import_create(*, user, uploaded_file, name: str = "", source: str = "", persona=None):
    """Store an uploaded CSV under MEDIA_ROOT and read its shape (encoding, separator,
    header, rows). Refuses empty, binary, unreadable and over-50-MB files with a message
    saying what to do; stores nothing for them."""
    MarketingPolicy(user).can_import().require()
    size = getattr(uploaded_file, "size", None) or 0
    if size > importing.MAX_FILE_BYTES:
        raise ValidationError(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{importing.MAX_FILE_BYTES // 1024 // 1024} MB. Split it into smaller files, "
            "or ask an admin to run `manage.py import_leads` with it.",
            code="too_large",
        )
    if size == 0:
        raise ValidationError("The file is empty: there is no header row and no lead in it.")
    filename = getattr(uploaded_file, "name", "leads.csv").rsplit("/", 1)[-1]
    try:
        lead_list, analysis = _list_stored(
            user=user, filename=filename, content=uploaded_file, size=size,
            name=name, source=source, persona=persona,
        )  # fmt: skip
    except importing.ImportFileError as error:
        raise _validation_error_for(error) from error
    try:
        lead_list.mapping = importing.guess_mapping(analysis.header)
        lead_list.full_clean()
        lead_list.save()
    except BaseException:
        # No upload may stay behind a refused import (an over-long name or source).
        lead_list.file.delete(save=False)
        raise
    return lead_list


@transaction.atomic
def lead_import_set_mapping(*, lead_list: LeadList, user, mapping: dict[str, int]) -> LeadList:
    """Confirm which column holds which lead field; Email must be among them."""
    MarketingPolicy(user).can_import().require()
    lead_list = LeadList.objects.select_for_update().get(pk=lead_list.pk)
    if lead_list.status != LeadList.Status.MAPPING:
        raise ValidationError("This import has already started.")
    width = len(lead_list.header)
    clean = {}
    for field_name, index in mapping.items():
        if field_name not in importing.FIELD_LABELS or index is None or index == "":
            continue
        index = int(index)
        if not 0 <= index < width:
            raise ValidationError(f"Column {index + 1} does not exist in this file.")
        if index in clean.values():
            raise ValidationError(
                f"Column “{lead_list.header[index]}” is mapped to two fields; map it once."
            )
        clean[field_name] = index
    missing = importing.missing_required(clean)
    if missing:
        raise ValidationError(
            f"Choose the column that holds: {', '.join(missing)}. Without it no row can "
            "become a lead."
        )
    lead_list.mapping = clean
    lead_list.save(update_fields=["mapping"])
    return lead_list


@transaction.atomic
def lead_import_start(*, lead_list: LeadList, user) -> LeadList:
    """Queue the import; the Celery task starts after this transaction commits."""
    from ..tasks import lead_import_task

    MarketingPolicy(user).can_import().require()
    lead_list = LeadList.objects.select_for_update().get(pk=lead_list.pk)
    if lead_list.status != LeadList.Status.MAPPING:
        raise ValidationError("This import has already started.")
    if importing.missing_required(lead_list.mapping):
        raise ValidationError("Map the Email column before starting the import.")
    lead_list.status = LeadList.Status.QUEUED
    lead_list.save(update_fields=["status"])
    audit_record(
        actor=user,
        action="leads.import",
        target=lead_list,
        after={"file": lead_list.original_filename, "source": lead_list.source},
    )
    outbox.enqueue(lead_import_task, lead_list.pk)
    return lead_list


def lead_import_run(*, lead_list_id: int, batch_size: int = IMPORT_BATCH_SIZE) -> LeadList:
    """Import the rows of a queued list: every good row becomes a lead, every other row
    is recorded with its line number and reason. Duplicates (same email earlier in the
    file, or an existing lead) are reported and not imported.

    Each batch commits with its counts, so the progress bar moves and a worker that dies
    halfway resumes after the last committed batch instead of importing rows twice.
    """
    lead_list = LeadList.objects.get(pk=lead_list_id)
    if lead_list.status == LeadList.Status.DONE:
        return lead_list
    if lead_list.status not in (LeadList.Status.QUEUED, LeadList.Status.RUNNING):
        raise ValidationError(f"This import is {lead_list.get_status_display().lower()}.")
    LeadList.objects.filter(pk=lead_list.pk).update(
        status=LeadList.Status.RUNNING,
        started_at=Coalesce(F("started_at"), timezone.now()),
        heartbeat_at=timezone.now(),
    )
    try:
        path = default_storage.path(lead_list.file.name)
        mapping = {name: int(index) for name, index in lead_list.mapping.items()}
        width = len(lead_list.header)
        already_done = lead_list.processed_rows
        seen: dict[str, int] = {}
        accounts: dict[str, int] = {}
        batch: list[importing.ParsedRow] = []
        position = 0
        for line, values in importing.iter_rows(
            path, encoding=lead_list.encoding, delimiter=lead_list.delimiter
        ):
            position += 1
            row = importing.parse_row(
                line, values, mapping=mapping, width=width, delimiter=lead_list.delimiter
            )
            if position <= already_done:
                if row.email and not row.error:
                    seen.setdefault(row.email, line)
                continue
            batch.append(row)
            if len(batch) >= batch_size:
                _import_batch(lead_list, batch, seen, accounts)
                batch = []
        if batch:
            _import_batch(lead_list, batch, seen, accounts)
    except (OSError, importing.ImportFileError) as error:
        LeadList.objects.filter(pk=lead_list.pk).update(
            status=LeadList.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
        lead_list.refresh_from_db()
        return lead_list
    LeadList.objects.filter(pk=lead_list.pk).update(
        status=LeadList.Status.DONE,
        finished_at=timezone.now(),
        total_rows=F("processed_rows"),
    )
    # A list can double the lead table: the queue and the lead list must not be planned
    # for the table as it was (smarketing.db.tables_analyze says why).
    tables_analyze(Lead, Account, ImportRejection)
    lead_list.refresh_from_db()
    if lead_list.created_by_id:
        notification_send(
            recipient=lead_list.created_by,
            kind="lead_import_done",
            text=(
                f"“{lead_list.name}” imported: "
                f"{_counted(lead_list.imported_count, 'lead')}, "
                f"{_counted(lead_list.duplicate_count, 'duplicate')}, "
                f"{lead_list.rejected_count} rejected."
            ),
            url=reverse("leads:import_detail", args=[lead_list.pk]),
            dedupe_key=f"import-done:{lead_list.pk}",
        )
    return lead_list


def lead_imports_stalled_resume(*, now=None) -> int:
    """Queue again every running import whose worker stopped stamping it (see
    IMPORT_STALE_AFTER); fail one that stopped IMPORT_RESUMES_MAX times. Returns how many
    were queued. Safe to run at any time: a queued import is claimed by one run only."""
    from ..tasks import lead_import_task

    now = now or timezone.now()
    stalled = LeadList.objects.filter(
        status=LeadList.Status.RUNNING, heartbeat_at__lt=now - IMPORT_STALE_AFTER
    )
    resumed = 0
    for pk in list(stalled.order_by("pk").values_list("pk", flat=True)[:100]):
        with transaction.atomic():
            # Locked and checked again: a run may have claimed it meanwhile.
            fresh = stalled.select_for_update(skip_locked=True).filter(pk=pk).first()
            if fresh is None:
                continue
            if fresh.resume_count >= IMPORT_RESUMES_MAX:
                LeadList.objects.filter(pk=fresh.pk).update(
                    status=LeadList.Status.FAILED,
                    finished_at=now,
                    error=(
                        f"The import stopped {fresh.resume_count + 1} times before finishing; "
                        "the rows imported so far are kept. Check the file, or split it."
                    ),
                )
                continue
            LeadList.objects.filter(pk=fresh.pk).update(
                status=LeadList.Status.QUEUED, resume_count=F("resume_count") + 1
            )
            outbox.enqueue(lead_import_task, fresh.pk)
            resumed += 1
    return resumed


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _account_ids(rows, cache: dict[str, int]) -> None:
    wanted = {}
    for row in rows:
        company = row.values.get("company", "")
        key = Account.normalize(company)
        if key and key not in cache:
            wanted[key] = row
    if not wanted:
        return
    for key, pk in Account.objects.filter(normalized_name__in=wanted).values_list(
        "normalized_name", "pk"
    ):
        cache[key] = pk
    missing = [
        Account(
            name=" ".join(row.values["company"].split()),
            normalized_name=key,
            domain=row.values.get("domain", ""),
            industry=row.values.get("industry", ""),
        )
        for key, row in wanted.items()
        if key not in cache
    ]
    if missing:
        Account.objects.bulk_create(missing, ignore_conflicts=True)
        for key, pk in Account.objects.filter(
            normalized_name__in=[a.normalized_name for a in missing]
        ).values_list("normalized_name", "pk"):
            cache[key] = pk


def _import_batch(lead_list: LeadList, batch, seen: dict[str, int], accounts: dict) -> None:
    with transaction.atomic():
        emails = {row.email for row in batch if row.email and not row.error}
        existing = set(Lead.objects.filter(email__in=emails).values_list("email", flat=True))
        rejections, good = [], []
        for row in batch:
            if row.error:
                rejections.append(
                    _rejection(lead_list, row, ImportRejection.Kind.INVALID, row.error)
                )
            elif row.email in seen:
                rejections.append(
                    _rejection(
                        lead_list,
                        row,
                        ImportRejection.Kind.DUPLICATE,
                        f"Same email as line {seen[row.email]} of this file.",
                    )
                )
            elif row.email in existing:
                rejections.append(
                    _rejection(
                        lead_list,
                        row,
                        ImportRejection.Kind.DUPLICATE,
                        "A lead with this email already exists.",
                    )
                )
            else:
                seen[row.email] = row.line
                good.append(row)
        _account_ids(good, accounts)
        now = timezone.now()
        leads = [
            Lead(
                email=row.email,
                first_name=row.values.get("first_name", ""),
                last_name=row.values.get("last_name", ""),
                phone=row.values.get("phone", ""),
                title=row.values.get("title", ""),
                source=row.values.get("source") or lead_list.source,
                account_id=accounts.get(Account.normalize(row.values.get("company", ""))),
                persona_id=lead_list.persona_id,
                lead_list_id=lead_list.pk,
                created_at=now,
            )
            for row in good
        ]
        created = _create_leads(leads, good, rejections, lead_list)
        ImportRejection.objects.bulk_create(rejections)
        duplicates = sum(1 for r in rejections if r.kind == ImportRejection.Kind.DUPLICATE)
        LeadList.objects.filter(pk=lead_list.pk).update(
            heartbeat_at=timezone.now(),
            processed_rows=F("processed_rows") + len(batch),
            imported_count=F("imported_count") + created,
            duplicate_count=F("duplicate_count") + duplicates,
            rejected_count=F("rejected_count") + len(rejections) - duplicates,
        )


def _create_leads(leads, rows, rejections, lead_list) -> int:
    """bulk_create; if a concurrent import or entry took one of the emails meanwhile,
    fall back to one insert per lead so only that row is reported as a duplicate."""
    try:
        with transaction.atomic():
            Lead.objects.bulk_create(leads)
        return len(leads)
    except IntegrityError:
        created = 0
        for lead, row in zip(leads, rows, strict=True):
            try:
                with transaction.atomic():
                    lead.save()
                created += 1
            except IntegrityError:
                rejections.append(
                    _rejection(
                        lead_list,
                        row,
                        ImportRejection.Kind.DUPLICATE,
                        "A lead with this email already exists.",
                    )
                )
        return created


def _rejection(lead_list, row, kind, reason) -> ImportRejection:
    return ImportRejection(
        lead_list=lead_list,
        line_number=row.line,
        kind=kind,
        reason=reason[:300],
        email=row.email[:254] if row.email else str(row.values.get("email", ""))[:254],
        raw=row.raw,
    )


def lead_import_file(*, path, user=None, name: str = "", source: str = "", persona=None):
    """The shell's import (manage.py import_leads): same reading and report as the web,
    run in this process. Raises ImportFileError when the file cannot be read at all."""
    from django.core.files import File

    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(0)
        if size == 0:
            raise importing.ImportFileError("The file is empty.")
        filename = str(path).rsplit("/", 1)[-1]
        with transaction.atomic():
            lead_list, analysis = _list_stored(
                user=user, filename=filename, content=File(handle), size=size,
                name=name, source=source, persona=persona,
            )  # fmt: skip
            mapping = importing.guess_mapping(analysis.header)
            missing = importing.missing_required(mapping)
            if missing:
                lead_list.file.delete(save=False)
                raise importing.ImportFileError(
                    f"No {', '.join(missing)} column found. The header has: "
                    f"{', '.join(analysis.header)}."
                )
            lead_list.mapping = mapping
            lead_list.status = LeadList.Status.QUEUED
            lead_list.save()
    return lead_import_run(lead_list_id=lead_list.pk)
