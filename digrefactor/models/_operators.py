"""One task class per built-in Digdag operator, with typed fields for documented parameters.

Every class keeps unknown parameters in ``params``; typed fields accept template strings
(``${...}``) wherever Digdag would evaluate them at run time. Sources: spec §3 and
digdag-standards ``operator/*``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from digrefactor.models._build import register_operator
from digrefactor.models._tasks import OperatorTask, Task

__all__ = [
    "BqDdlTask",
    "BqExtractTask",
    "BqLoadTask",
    "BqTask",
    "CallTask",
    "CommandTask",
    "DependentWorkflow",
    "EchoTask",
    "EmbeddedTask",
    "EmbulkTask",
    "EmrTask",
    "ErrorTask",
    "FailTask",
    "ForEachTask",
    "ForRangeTask",
    "GcsWaitTask",
    "HttpCallTask",
    "HttpTask",
    "IfTask",
    "LoopTask",
    "MailTask",
    "NotifyTask",
    "ParamGetTask",
    "ParamSetTask",
    "PgTask",
    "PyTask",
    "RbTask",
    "RedshiftLoadTask",
    "RedshiftTask",
    "RedshiftUnloadTask",
    "RepeatableTask",
    "RequireTask",
    "S3WaitTask",
    "ShTask",
    "TdDdlTask",
    "TdForEachTask",
    "TdLoadTask",
    "TdPartialDeleteTask",
    "TdResultExportTask",
    "TdRunTask",
    "TdTableExportTask",
    "TdTask",
    "TdWaitTableTask",
    "TdWaitTask",
    "WaitTask",
]

# Field types: a parameter documented as int/bool may also be a `${...}` template string.
Int = int | str
Bool = bool | str


# ----------------------------------------------------------------------------- workflow control


@register_operator
class CallTask(OperatorTask):
    """``call>: file.dig``: run another workflow file of the project as a subtask."""

    operator: Literal["call"] = "call"
    command: str | None = None


@register_operator
class RequireTask(OperatorTask):
    """``require>: workflow``: start another workflow (or wait for it) and wait for it."""

    operator: Literal["require"] = "require"
    command: str | None = None
    session_time: str | None = None
    project_id: Int | None = None
    project_name: str | None = None
    rerun_on: str | None = None
    ignore_failure: Bool | None = None
    # `params` is also the model's own field for extra keys: only `params_=` sets this in code.
    params_: dict[str, Any] | None = Field(default=None, alias="params", validation_alias="params_")
    retry_attempt_name: str | None = None


@register_operator
class LoopTask(OperatorTask):
    """``loop>: N``: run ``_do`` N times (exports ``${i}``)."""

    operator: Literal["loop"] = "loop"
    command: Int | None = None
    count: Int | None = None
    do: Task | None = Field(default=None, alias="_do")


@register_operator
class ForEachTask(OperatorTask):
    """``for_each>: {var: [values]}``: run ``_do`` for every combination of values."""

    operator: Literal["for_each"] = "for_each"
    command: dict[str, Any] | str | None = None
    do: Task | None = Field(default=None, alias="_do")


@register_operator
class ForRangeTask(OperatorTask):
    """``for_range>: {from, to, step|slices}``: run ``_do`` per range slice."""

    operator: Literal["for_range"] = "for_range"
    command: dict[str, Any] | str | None = None
    do: Task | None = Field(default=None, alias="_do")


@register_operator
class IfTask(OperatorTask):
    """``if>: condition``: run ``_do`` when true, ``_else_do`` otherwise."""

    operator: Literal["if"] = "if"
    command: Bool | None = None
    do: Task | None = Field(default=None, alias="_do")
    else_do: Task | None = Field(default=None, alias="_else_do")


@register_operator
class FailTask(OperatorTask):
    """``fail>: message``: always fails."""

    operator: Literal["fail"] = "fail"
    command: str | None = None


@register_operator
class EchoTask(OperatorTask):
    """``echo>: message``: print a message."""

    operator: Literal["echo"] = "echo"
    command: Any = None


@register_operator
class WaitTask(OperatorTask):
    """``wait>: 10s``: wait for a duration."""

    operator: Literal["wait"] = "wait"
    command: str | None = None
    blocking: Bool | None = None
    poll_interval: str | None = None


@register_operator
class NotifyTask(OperatorTask):
    """``notify>: message``: send a notification through the server's notifier."""

    operator: Literal["notify"] = "notify"
    command: str | None = None


# ----------------------------------------------------------------------------- scripting


@register_operator
class ShTask(OperatorTask):
    """``sh>: script``: run a shell script (the seed's ``CommandTask``)."""

    operator: Literal["sh"] = "sh"
    command: str | None = None
    shell: list[str] | None = None
    env: dict[str, Any] | None = Field(default=None, alias="_env")


#: The seed library's name for an ``sh>`` task.
CommandTask = ShTask


class ErrorTask(ShTask):
    """An ``sh>`` task used as a workflow's ``_error`` handler (the seed's ``ErrorTask``)."""


@register_operator
class PyTask(OperatorTask):
    """``py>: module.Class.method``: run a Python method (or inline ``script``)."""

    operator: Literal["py"] = "py"
    command: str | None = None
    python: str | list[str] | None = None
    script: str | None = None
    env: dict[str, Any] | None = Field(default=None, alias="_env")
    docker: dict[str, Any] | None = None


@register_operator
class RbTask(OperatorTask):
    """``rb>: Module::Class.method``: run a Ruby method (or inline ``script``)."""

    operator: Literal["rb"] = "rb"
    command: str | None = None
    ruby: str | list[str] | None = None
    require: str | None = None
    script: str | None = None
    env: dict[str, Any] | None = Field(default=None, alias="_env")


# ----------------------------------------------------------------------------- network


class _HttpParams(OperatorTask):
    """Parameters shared by ``http>`` and ``http_call>``."""

    command: str | None = None
    method: str | None = None
    content: Any = None
    content_format: str | None = None
    content_type: str | None = None
    headers: list[dict[str, Any]] | None = None
    query: dict[str, Any] | str | None = None
    # `retry` is also the Python name of `_retry`: only `retry_=` sets this one in code.
    retry_: Bool | None = Field(default=None, alias="retry", validation_alias="retry_")
    timeout: Int | None = None
    insecure: Bool | None = None
    follow_redirects: Bool | None = None
    proxy: dict[str, Any] | None = None


@register_operator
class HttpTask(_HttpParams):
    """``http>: URI``: send an HTTP request (optionally keeping the response body)."""

    operator: Literal["http"] = "http"
    store_content: Bool | None = None


@register_operator
class HttpCallTask(_HttpParams):
    """``http_call>: URI``: fetch a workflow definition over HTTP and run it as ``^sub``."""

    operator: Literal["http_call"] = "http_call"
    content_type_override: str | None = None


@register_operator
class MailTask(OperatorTask):
    """``mail>: body.txt``: send an email (body from a file, ``{data: ...}`` or ``body:``)."""

    operator: Literal["mail"] = "mail"
    command: str | dict[str, Any] | None = None
    body: str | None = None
    subject: str | None = None
    to: str | list[str] | None = None
    cc: str | list[str] | None = None
    bcc: str | list[str] | None = None
    from_: str | None = Field(default=None, alias="from")
    host: str | None = None
    port: Int | None = None
    username: str | None = None
    tls: Bool | None = None
    ssl: Bool | None = None
    html: Bool | None = None
    debug: Bool | None = None
    attach_files: list[dict[str, Any]] | None = None


# ----------------------------------------------------------------------------- parameter store


@register_operator
class ParamGetTask(OperatorTask):
    """``param_get>:``: load stored values; each extra key ``name: dest`` lands in ``params``."""

    operator: Literal["param_get"] = "param_get"
    command: Any = None


@register_operator
class ParamSetTask(OperatorTask):
    """``param_set>:``: store values; each extra key ``name: value`` lands in ``params``."""

    operator: Literal["param_set"] = "param_set"
    command: Any = None


# ----------------------------------------------------------------------------- Embulk


@register_operator
class EmbulkTask(OperatorTask):
    """``embulk>: config.yml``: run an Embulk bulk load (or the inline ``config:``)."""

    operator: Literal["embulk"] = "embulk"
    command: str | None = None
    config: dict[str, Any] | None = None
    docker: dict[str, Any] | None = None


# ----------------------------------------------------------------------------- Treasure Data


class _TdParams(OperatorTask):
    """Connection parameters common to every ``td*>`` operator."""

    database: str | None = None
    endpoint: str | None = None
    use_ssl: Bool | None = None
    proxy: dict[str, Any] | None = None


class _TdJobParams(_TdParams):
    """Parameters of ``td*>`` operators that submit a query job."""

    engine: str | None = None
    priority: Int | None = None
    job_retry: Int | None = None
    presto_pool_name: str | None = None
    hive_pool_name: str | None = None
    engine_version: str | None = None
    hive_engine_version: str | None = None


@register_operator
class TdTask(_TdJobParams):
    """``td>: query.sql``: run a Treasure Data query (file, ``{data: ...}`` or ``query:``)."""

    operator: Literal["td"] = "td"
    command: str | dict[str, Any] | None = None
    query: str | None = None
    create_table: str | None = None
    insert_into: str | None = None
    download_file: str | None = None
    store_last_results: Bool | None = None
    preview: Bool | None = None
    result_url: str | None = None
    result_connection: str | None = None
    result_settings: dict[str, Any] | None = None


@register_operator
class TdRunTask(_TdParams):
    """``td_run>: saved_query``: run a saved query by id or name."""

    operator: Literal["td_run"] = "td_run"
    command: Int | None = None
    session_time: str | None = None
    download_file: str | None = None
    store_last_results: Bool | None = None
    preview: Bool | None = None


@register_operator
class TdDdlTask(_TdParams):
    """``td_ddl>:``: create, empty, drop or rename tables and databases."""

    operator: Literal["td_ddl"] = "td_ddl"
    command: Any = None
    create_tables: list[str] | None = None
    empty_tables: list[str] | None = None
    drop_tables: list[str] | None = None
    rename_tables: list[dict[str, Any]] | None = None
    create_databases: list[str] | None = None
    empty_databases: list[str] | None = None
    drop_databases: list[str] | None = None


@register_operator
class TdLoadTask(_TdParams):
    """``td_load>: config.yml``: bulk load (Embulk config file, saved connector or ``config:``)."""

    operator: Literal["td_load"] = "td_load"
    command: str | None = None
    table: str | None = None
    config: dict[str, Any] | None = None
    # `name` is also the task's own name: only `name_=` sets this one in code.
    name_: str | None = Field(default=None, alias="name", validation_alias="name_")


@register_operator
class TdForEachTask(_TdJobParams):
    """``td_for_each>: query.sql``: run ``_do`` once per result row (``${td.each.col}``)."""

    operator: Literal["td_for_each"] = "td_for_each"
    command: str | dict[str, Any] | None = None
    query: str | None = None
    do: Task | None = Field(default=None, alias="_do")


@register_operator
class TdWaitTask(_TdJobParams):
    """``td_wait>: query.sql``: re-run a query until its first column is true."""

    operator: Literal["td_wait"] = "td_wait"
    command: str | dict[str, Any] | None = None
    query: str | None = None
    interval: str | None = None


@register_operator
class TdWaitTableTask(_TdJobParams):
    """``td_wait_table>: table``: wait until a table has at least ``rows`` records."""

    operator: Literal["td_wait_table"] = "td_wait_table"
    command: str | None = None
    rows: Int | None = None
    interval: str | None = None


@register_operator
class TdPartialDeleteTask(_TdParams):
    """``td_partial_delete>: table``: delete a time range of a table (deprecated by TD)."""

    operator: Literal["td_partial_delete"] = "td_partial_delete"
    command: str | None = None
    from_: Int | None = Field(default=None, alias="from")
    to: Int | None = None


@register_operator
class TdTableExportTask(_TdParams):
    """``td_table_export>:``: export a time range of a table to S3."""

    operator: Literal["td_table_export"] = "td_table_export"
    command: Any = None
    table: str | None = None
    file_format: str | None = None
    from_: Int | None = Field(default=None, alias="from")
    to: Int | None = None
    s3_bucket: str | None = None
    s3_path_prefix: str | None = None


@register_operator
class TdResultExportTask(_TdParams):
    """``td_result_export>:``: write an existing job's result to a result connection."""

    operator: Literal["td_result_export"] = "td_result_export"
    command: Any = None
    job_id: Int | None = None
    result_connection: str | None = None
    result_settings: dict[str, Any] | None = None


# ----------------------------------------------------------------------------- databases


class _JdbcParams(OperatorTask):
    """Connection and bookkeeping parameters common to ``pg>`` and the ``redshift*>`` operators."""

    host: str | None = None
    port: Int | None = None
    database: str | None = None
    user: str | None = None
    ssl: Bool | None = None
    schema_: str | None = Field(default=None, alias="schema")
    connect_timeout: str | None = None
    socket_timeout: str | None = None
    strict_transaction: Bool | None = None
    status_table: str | None = None
    status_table_schema: str | None = None
    status_table_cleanup: str | None = None
    password_override: str | None = None


class _JdbcQueryParams(_JdbcParams):
    """Parameters of ``pg>`` / ``redshift>``: a SQL file, ``{data: ...}`` or ``query:``."""

    command: str | dict[str, Any] | None = None
    query: str | None = None
    create_table: str | None = None
    insert_into: str | None = None
    download_file: str | None = None
    # `false`, `first` or `all`.
    store_last_results: Bool | None = None


@register_operator
class PgTask(_JdbcQueryParams):
    """``pg>: query.sql``: run a PostgreSQL query."""

    operator: Literal["pg"] = "pg"


@register_operator
class RedshiftTask(_JdbcQueryParams):
    """``redshift>: query.sql``: run an Amazon Redshift query."""

    operator: Literal["redshift"] = "redshift"


@register_operator
class RedshiftLoadTask(_JdbcParams):
    """``redshift_load>:``: ``COPY`` data from S3 into a Redshift table."""

    operator: Literal["redshift_load"] = "redshift_load"
    command: Any = None
    table: str | None = None
    from_: str | None = Field(default=None, alias="from")
    column_list: str | None = None
    manifest: Bool | None = None
    encrypted: Bool | None = None
    readratio: Int | None = None
    region: str | None = None
    csv: str | None = None
    delimiter: str | None = None
    fixedwidth: str | None = None
    json_: str | None = Field(default=None, alias="json")
    avro: str | None = None
    gzip: Bool | None = None
    bzip2: Bool | None = None
    lzop: Bool | None = None
    acceptanydate: Bool | None = None
    acceptinvchars: str | None = None
    blanksasnull: Bool | None = None
    dateformat: str | None = None
    emptyasnull: Bool | None = None
    encoding: str | None = None
    escape: Bool | None = None
    explicit_ids: Bool | None = None
    fillrecord: Bool | None = None
    ignoreblanklines: Bool | None = None
    ignoreheader: Int | None = None
    null_as: str | None = None
    removequotes: Bool | None = None
    roundec: Bool | None = None
    timeformat: str | None = None
    trimblanks: Bool | None = None
    truncatecolumns: Bool | None = None
    comprows: Int | None = None
    compupdate: str | None = None
    maxerror: Int | None = None
    noload: Bool | None = None
    statupdate: str | None = None
    temp_credentials: Bool | None = None
    session_duration: Int | None = None


@register_operator
class RedshiftUnloadTask(_JdbcParams):
    """``redshift_unload>:``: ``UNLOAD`` a query's result from Redshift to S3."""

    operator: Literal["redshift_unload"] = "redshift_unload"
    command: Any = None
    query: str | None = None
    to: str | None = None
    manifest: Bool | None = None
    encrypted: Bool | None = None
    allowoverwrite: Bool | None = None
    delimiter: str | None = None
    fixedwidth: str | None = None
    gzip: Bool | None = None
    bzip2: Bool | None = None
    null_as: str | None = None
    escape: Bool | None = None
    addquotes: Bool | None = None
    # `parallel` is also the Python name of `_parallel`: only `parallel_=` sets this one in code.
    parallel_: Bool | None = Field(default=None, alias="parallel", validation_alias="parallel_")
    temp_credentials: Bool | None = None
    session_duration: Int | None = None


# ----------------------------------------------------------------------------- AWS


@register_operator
class S3WaitTask(OperatorTask):
    """``s3_wait>: bucket/key``: wait until an S3 object exists."""

    operator: Literal["s3_wait"] = "s3_wait"
    command: str | None = None
    bucket: str | None = None
    # `Task.key` is the task's own data key (`+name`).
    key_: str | None = Field(default=None, alias="key")
    version_id: str | None = None
    region: str | None = None
    endpoint: str | None = None
    path_style_access: Bool | None = None
    timeout: str | None = None
    continue_on_timeout: Bool | None = None


@register_operator
class EmrTask(OperatorTask):
    """``emr>:``: run steps on a new or an existing Amazon EMR cluster."""

    operator: Literal["emr"] = "emr"
    command: Any = None
    cluster: str | dict[str, Any] | None = None
    staging: str | None = None
    steps: list[dict[str, Any]] | None = None
    action_on_failure: str | None = None


# ----------------------------------------------------------------------------- Google Cloud


@register_operator
class GcsWaitTask(OperatorTask):
    """``gcs_wait>: bucket/object``: wait until a Google Cloud Storage object exists."""

    operator: Literal["gcs_wait"] = "gcs_wait"
    command: str | None = None
    bucket: str | None = None
    object_: str | None = Field(default=None, alias="object")


@register_operator
class BqTask(OperatorTask):
    """``bq>: query.sql``: run a BigQuery query."""

    operator: Literal["bq"] = "bq"
    command: str | dict[str, Any] | None = None
    query: str | None = None
    location: str | None = None
    dataset: str | None = None
    destination_table: str | None = None
    create_disposition: str | None = None
    write_disposition: str | None = None
    priority: str | None = None
    use_query_cache: Bool | None = None
    allow_large_results: Bool | None = None
    flatten_results: Bool | None = None
    use_legacy_sql: Bool | None = None
    maximum_billing_tier: Int | None = None
    table_definitions: dict[str, Any] | None = None
    user_defined_function_resources: list[Any] | None = None


@register_operator
class BqDdlTask(OperatorTask):
    """``bq_ddl>:``: create, empty or delete BigQuery datasets and tables."""

    operator: Literal["bq_ddl"] = "bq_ddl"
    command: Any = None
    # Items are names (`[project:]dataset[.table]`) or objects with the full definition.
    create_datasets: list[Any] | None = None
    empty_datasets: list[Any] | None = None
    delete_datasets: list[Any] | None = None
    create_tables: list[Any] | None = None
    empty_tables: list[Any] | None = None
    delete_tables: list[Any] | None = None
    dataset: str | None = None


@register_operator
class BqExtractTask(OperatorTask):
    """``bq_extract>: table``: export a BigQuery table to Google Cloud Storage."""

    operator: Literal["bq_extract"] = "bq_extract"
    command: str | None = None
    destination: str | list[str] | None = None
    dataset: str | None = None
    location: str | None = None
    print_header: Bool | None = None
    field_delimiter: str | None = None
    destination_format: str | None = None
    compression: str | None = None


@register_operator
class BqLoadTask(OperatorTask):
    """``bq_load>: gs://uri``: load Google Cloud Storage files into a BigQuery table."""

    operator: Literal["bq_load"] = "bq_load"
    command: str | list[str] | None = None
    destination_table: str | None = None
    dataset: str | None = None
    location: str | None = None
    # Documented, though Digdag does not read it (the project comes from the credential).
    project: str | None = None
    source_format: str | None = None
    field_delimiter: str | None = None
    create_disposition: str | None = None
    write_disposition: str | None = None
    skip_leading_rows: Int | None = None
    encoding: str | None = None
    quote: str | None = None
    max_bad_records: Int | None = None
    allow_quoted_newlines: Bool | None = None
    allow_jagged_rows: Bool | None = None
    ignore_unknown_values: Bool | None = None
    projection_fields: list[str] | None = None
    autodetect: Bool | None = None
    schema_update_options: list[str] | None = None
    # An inline table schema, or the path of a file holding it.
    schema_: dict[str, Any] | str | None = Field(default=None, alias="schema")


# ----------------------------------------------------------------------------- seed aliases


class DependentWorkflow(RequireTask):
    """The seed's ``require>`` task: ``DependentWorkflow(name=, workflow=, project=)``."""

    def __init__(
        self, /, workflow: str | None = None, project: str | int | None = None, **data: Any
    ) -> None:
        if workflow is not None:
            data.setdefault("command", workflow)
        if isinstance(project, int):
            data.setdefault("project_id", project)
        elif project is not None:
            data.setdefault("project_name", project)
        super().__init__(**data)


class EmbeddedTask(CallTask):
    """The seed's ``call>`` task: ``EmbeddedTask(name=, workflow=)`` (``.dig`` appended)."""

    def __init__(self, /, workflow: str | None = None, **data: Any) -> None:
        if workflow is not None:
            data.setdefault("command", workflow if workflow.endswith(".dig") else workflow + ".dig")
        super().__init__(**data)


#: The seed library's name for a ``for_each>`` task.
RepeatableTask = ForEachTask
