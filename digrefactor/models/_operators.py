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
    """Session time of the required attempt (ISO-8601; default: this session's time)."""
    project_id: Int | None = None
    """Id of the project that holds the workflow (default: this project)."""
    project_name: str | None = None
    """Name of the project that holds the workflow (default: this project)."""
    rerun_on: str | None = None
    """Start it again when it already ran: `none` (default), `failed` or `all`."""
    ignore_failure: Bool | None = None
    """Succeed even when the required workflow fails (default false)."""
    # `params` is also the model's own field for extra keys: only `params_=` sets this in code.
    params_: dict[str, Any] | None = Field(default=None, alias="params", validation_alias="params_")
    """Parameters given to the attempt it starts."""
    retry_attempt_name: str | None = None
    """Retry attempt name of the attempt it starts again (with `rerun_on`)."""


@register_operator
class LoopTask(OperatorTask):
    """``loop>: N``: run ``_do`` N times (exports ``${i}``)."""

    operator: Literal["loop"] = "loop"
    command: Int | None = None
    count: Int | None = None
    """Number of iterations (overrides the `loop>` value)."""
    do: Task | None = Field(default=None, alias="_do")
    """`_do`: the task run on every iteration; `${i}` is the 0-based index."""


@register_operator
class ForEachTask(OperatorTask):
    """``for_each>: {var: [values]}``: run ``_do`` for every combination of values."""

    operator: Literal["for_each"] = "for_each"
    command: dict[str, Any] | str | None = None
    do: Task | None = Field(default=None, alias="_do")
    """`_do`: the task run for every combination; each variable is set by name."""


@register_operator
class ForRangeTask(OperatorTask):
    """``for_range>: {from, to, step|slices}``: run ``_do`` per range slice."""

    operator: Literal["for_range"] = "for_range"
    command: dict[str, Any] | str | None = None
    do: Task | None = Field(default=None, alias="_do")
    """`_do`: the task run per slice; `${range.from}`, `${range.to}`, `${range.index}`."""


@register_operator
class IfTask(OperatorTask):
    """``if>: condition``: run ``_do`` when true, ``_else_do`` otherwise."""

    operator: Literal["if"] = "if"
    command: Bool | None = None
    do: Task | None = Field(default=None, alias="_do")
    """`_do`: the task run when the condition is true."""
    else_do: Task | None = Field(default=None, alias="_else_do")
    """`_else_do`: the task run when the condition is false."""


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
    """Hold a worker thread while waiting instead of polling (default false)."""
    poll_interval: str | None = None
    """How often to check while waiting (not with `blocking: true`)."""


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
    """Command line that runs the script (default `[/bin/sh]`)."""
    env: dict[str, Any] | None = Field(default=None, alias="_env")
    """`_env`: extra environment variables (values may use `${secret:...}`)."""


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
    """Python interpreter: a path or a command list (default `python`)."""
    script: str | None = None
    """Inline Python code, run when no method is given."""
    env: dict[str, Any] | None = Field(default=None, alias="_env")
    """`_env`: extra environment variables (values may use `${secret:...}`)."""
    docker: dict[str, Any] | None = None
    """Run in a container: `{image, build, pull_always, run_options, ...}`."""


@register_operator
class RbTask(OperatorTask):
    """``rb>: Module::Class.method``: run a Ruby method (or inline ``script``)."""

    operator: Literal["rb"] = "rb"
    command: str | None = None
    ruby: str | list[str] | None = None
    """Ruby interpreter: a path or a command list (default `ruby`)."""
    require: str | None = None
    """Ruby file to require before the method is called."""
    script: str | None = None
    """Inline Ruby code, run when no method is given."""
    env: dict[str, Any] | None = Field(default=None, alias="_env")
    """`_env`: extra environment variables (values may use `${secret:...}`)."""


# ----------------------------------------------------------------------------- network


class _HttpParams(OperatorTask):
    """Parameters shared by ``http>`` and ``http_call>``."""

    command: str | None = None
    method: str | None = None
    """HTTP method (default GET)."""
    content: Any = None
    """Request body: a string, or an object/array sent as JSON or as a form."""
    content_format: str | None = None
    """How `content` is encoded: `text`, `json` or `form`."""
    content_type: str | None = None
    """Content-Type header of the request."""
    headers: list[dict[str, Any]] | None = None
    """Extra headers: a list of single-key maps (`- X-Token: ${secret:token}`)."""
    query: dict[str, Any] | str | None = None
    """Query string: a map, or text such as `a=b&c=d`."""
    # `retry` is also the Python name of `_retry`: only `retry_=` sets this one in code.
    retry_: Bool | None = Field(default=None, alias="retry", validation_alias="retry_")
    """Retry failed requests (default true for GET, HEAD, OPTIONS and TRACE)."""
    timeout: Int | None = None
    """Request timeout in seconds (default 30)."""
    insecure: Bool | None = None
    """Skip TLS certificate checks (default false)."""
    follow_redirects: Bool | None = None
    """Follow redirects (default true)."""
    proxy: dict[str, Any] | None = None
    """Proxy settings: `{enabled, host, port, tls}`."""


@register_operator
class HttpTask(_HttpParams):
    """``http>: URI``: send an HTTP request (optionally keeping the response body)."""

    operator: Literal["http"] = "http"
    store_content: Bool | None = None
    """Keep the response body in `${http.last_content}` (up to 64 KiB)."""


@register_operator
class HttpCallTask(_HttpParams):
    """``http_call>: URI``: fetch a workflow definition over HTTP and run it as ``^sub``."""

    operator: Literal["http_call"] = "http_call"
    content_type_override: str | None = None
    """Read the response as `application/json` or `application/x-yaml`."""


@register_operator
class MailTask(OperatorTask):
    """``mail>: body.txt``: send an email (body from a file, ``{data: ...}`` or ``body:``)."""

    operator: Literal["mail"] = "mail"
    command: str | dict[str, Any] | None = None
    body: str | None = None
    """Body text (instead of a body file)."""
    subject: str | None = None
    """Subject line (required)."""
    to: str | list[str] | None = None
    """Recipient address, or a list of them (required)."""
    cc: str | list[str] | None = None
    """Carbon-copy recipients."""
    bcc: str | list[str] | None = None
    """Blind-carbon-copy recipients."""
    from_: str | None = Field(default=None, alias="from")
    """Sender address (required unless the server sets one)."""
    host: str | None = None
    """SMTP host."""
    port: Int | None = None
    """SMTP port."""
    username: str | None = None
    """SMTP user name (the password is the secret `mail.password`)."""
    tls: Bool | None = None
    """Use STARTTLS (default true)."""
    ssl: Bool | None = None
    """Use SMTPS (default false)."""
    html: Bool | None = None
    """Send the body as HTML (default false)."""
    debug: Bool | None = None
    """Log the SMTP conversation (default false)."""
    attach_files: list[dict[str, Any]] | None = None
    """Files to attach: a list of `{path, filename, content_type}`."""


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
    """Inline Embulk configuration (instead of a file)."""
    docker: dict[str, Any] | None = None
    """Run in a container: `{image, build, pull_always, run_options, ...}`."""


# ----------------------------------------------------------------------------- Treasure Data


class _TdParams(OperatorTask):
    """Connection parameters common to every ``td*>`` operator."""

    database: str | None = None
    """Treasure Data database name."""
    endpoint: str | None = None
    """API endpoint (default api.treasuredata.com)."""
    use_ssl: Bool | None = None
    """Talk to the API over TLS (default true)."""
    proxy: dict[str, Any] | None = None
    """Proxy settings: `{enabled, host, port, user, password, use_ssl}`."""


class _TdJobParams(_TdParams):
    """Parameters of ``td*>`` operators that submit a query job."""

    engine: str | None = None
    """Query engine: `presto` (default) or `hive`."""
    priority: Int | None = None
    """Job priority from -2 (very low) to 2 (very high); default 0."""
    job_retry: Int | None = None
    """How many times Treasure Data retries a failed job (default 0)."""
    presto_pool_name: str | None = None
    """Presto resource pool of the job."""
    hive_pool_name: str | None = None
    """Hive resource pool of the job."""
    engine_version: str | None = None
    """Version of the query engine."""
    hive_engine_version: str | None = None
    """Version of the Hive engine."""


@register_operator
class TdTask(_TdJobParams):
    """``td>: query.sql``: run a Treasure Data query (file, ``{data: ...}`` or ``query:``)."""

    operator: Literal["td"] = "td"
    command: str | dict[str, Any] | None = None
    query: str | None = None
    """SQL text (instead of a query file)."""
    create_table: str | None = None
    """Table to (re)create from the result (`CREATE TABLE AS`)."""
    insert_into: str | None = None
    """Table to append the result to."""
    download_file: str | None = None
    """Local CSV file to save the result to."""
    store_last_results: Bool | None = None
    """Keep the first result row in `${td.last_results}` (default false)."""
    preview: Bool | None = None
    """Print the first rows of the result to the log (default false)."""
    result_url: str | None = None
    """Send the result to this result URL (may use `${secret:...}`)."""
    result_connection: str | None = None
    """Name of a saved connection to write the result to."""
    result_settings: dict[str, Any] | None = None
    """Settings of the result connection (a map)."""


@register_operator
class TdRunTask(_TdParams):
    """``td_run>: saved_query``: run a saved query by id or name."""

    operator: Literal["td_run"] = "td_run"
    command: Int | None = None
    session_time: str | None = None
    """Session time the saved query runs with (default: this session's time)."""
    download_file: str | None = None
    """Local CSV file to save the result to."""
    store_last_results: Bool | None = None
    """Keep the first result row in `${td.last_results}` (default false)."""
    preview: Bool | None = None
    """Print the first rows of the result to the log (default false)."""


@register_operator
class TdDdlTask(_TdParams):
    """``td_ddl>:``: create, empty, drop or rename tables and databases."""

    operator: Literal["td_ddl"] = "td_ddl"
    command: Any = None
    create_tables: list[str] | None = None
    """Tables to create (when missing)."""
    empty_tables: list[str] | None = None
    """Tables to empty (re-create)."""
    drop_tables: list[str] | None = None
    """Tables to drop (when present)."""
    rename_tables: list[dict[str, Any]] | None = None
    """Tables to rename: a list of `{from, to}`."""
    create_databases: list[str] | None = None
    """Databases to create (when missing)."""
    empty_databases: list[str] | None = None
    """Databases to empty (re-create)."""
    drop_databases: list[str] | None = None
    """Databases to drop (when present)."""


@register_operator
class TdLoadTask(_TdParams):
    """``td_load>: config.yml``: bulk load (Embulk config file, saved connector or ``config:``)."""

    operator: Literal["td_load"] = "td_load"
    command: str | None = None
    table: str | None = None
    """Table to load into."""
    config: dict[str, Any] | None = None
    """Inline Embulk configuration (instead of a file or a saved connector)."""
    # `name` is also the task's own name: only `name_=` sets this one in code.
    name_: str | None = Field(default=None, alias="name", validation_alias="name_")
    """Unique name of a saved data connector to run."""


@register_operator
class TdForEachTask(_TdJobParams):
    """``td_for_each>: query.sql``: run ``_do`` once per result row (``${td.each.col}``)."""

    operator: Literal["td_for_each"] = "td_for_each"
    command: str | dict[str, Any] | None = None
    query: str | None = None
    """SQL text (instead of a query file)."""
    do: Task | None = Field(default=None, alias="_do")
    """`_do`: the task run per result row; columns are `${td.each.COLUMN}`."""


@register_operator
class TdWaitTask(_TdJobParams):
    """``td_wait>: query.sql``: re-run a query until its first column is true."""

    operator: Literal["td_wait"] = "td_wait"
    command: str | dict[str, Any] | None = None
    query: str | None = None
    """SQL text (instead of a query file)."""
    interval: str | None = None
    """How often the query runs (default 30s, at least 30s)."""


@register_operator
class TdWaitTableTask(_TdJobParams):
    """``td_wait_table>: table``: wait until a table has at least ``rows`` records."""

    operator: Literal["td_wait_table"] = "td_wait_table"
    command: str | None = None
    rows: Int | None = None
    """Wait until the table has at least this many rows (default 0)."""
    interval: str | None = None
    """How often the table is checked (default 30s)."""


@register_operator
class TdPartialDeleteTask(_TdParams):
    """``td_partial_delete>: table``: delete a time range of a table (deprecated by TD)."""

    operator: Literal["td_partial_delete"] = "td_partial_delete"
    command: str | None = None
    from_: Int | None = Field(default=None, alias="from")
    """Start of the time range to delete (unix time or ISO-8601, hour-aligned)."""
    to: Int | None = None
    """End of the time range to delete (exclusive)."""


@register_operator
class TdTableExportTask(_TdParams):
    """``td_table_export>:``: export a time range of a table to S3."""

    operator: Literal["td_table_export"] = "td_table_export"
    command: Any = None
    table: str | None = None
    """Table to export."""
    file_format: str | None = None
    """File format: `jsonl.gz` or `tsv.gz`."""
    from_: Int | None = Field(default=None, alias="from")
    """Start of the time range (`yyyy-MM-dd HH:mm:ss[ Z]` or unix time)."""
    to: Int | None = None
    """End of the time range (exclusive)."""
    s3_bucket: str | None = None
    """S3 bucket to export to."""
    s3_path_prefix: str | None = None
    """Path prefix of the exported files."""


@register_operator
class TdResultExportTask(_TdParams):
    """``td_result_export>:``: write an existing job's result to a result connection."""

    operator: Literal["td_result_export"] = "td_result_export"
    command: Any = None
    job_id: Int | None = None
    """Id of the job whose result is exported."""
    result_connection: str | None = None
    """Name of the saved connection to write to."""
    result_settings: dict[str, Any] | None = None
    """Settings of the connection (a map)."""


# ----------------------------------------------------------------------------- databases


class _JdbcParams(OperatorTask):
    """Connection and bookkeeping parameters common to ``pg>`` and the ``redshift*>`` operators."""

    host: str | None = None
    """Database host."""
    port: Int | None = None
    """Database port."""
    database: str | None = None
    """Database name."""
    user: str | None = None
    """User name (the password is a secret)."""
    ssl: Bool | None = None
    """Connect over TLS (default false)."""
    schema_: str | None = Field(default=None, alias="schema")
    """Default schema (default `public`)."""
    connect_timeout: str | None = None
    """Connection timeout (default 30s)."""
    socket_timeout: str | None = None
    """Socket timeout (default 1800s)."""
    strict_transaction: Bool | None = None
    """Track completion in a status table so a retry runs once (default true)."""
    status_table: str | None = None
    """Name of that status table (default `__digdag_status`)."""
    status_table_schema: str | None = None
    """Schema of the status table (default: `schema`)."""
    status_table_cleanup: str | None = None
    """Age after which status rows are removed (default 24h)."""
    password_override: str | None = None
    """Name of the secret that holds the password (instead of the usual one)."""


class _JdbcQueryParams(_JdbcParams):
    """Parameters of ``pg>`` / ``redshift>``: a SQL file, ``{data: ...}`` or ``query:``."""

    command: str | dict[str, Any] | None = None
    query: str | None = None
    """SQL text (instead of a query file)."""
    create_table: str | None = None
    """Table to (re)create from the result."""
    insert_into: str | None = None
    """Table to append the result to."""
    download_file: str | None = None
    """Local CSV file to save the result to."""
    # `false`, `first` or `all`.
    store_last_results: Bool | None = None
    """`first` or `all`: keep result rows in `${pg.last_results}` (`redshift.`)."""


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
    """Table to load into (required)."""
    from_: str | None = Field(default=None, alias="from")
    """S3 URI to copy from (required)."""
    column_list: str | None = None
    """Columns to load, comma separated."""
    manifest: Bool | None = None
    """`from` names a manifest file."""
    encrypted: Bool | None = None
    """The files are client-side encrypted."""
    readratio: Int | None = None
    """Percentage of a DynamoDB table's throughput to use."""
    region: str | None = None
    """AWS region of the S3 bucket."""
    csv: str | None = None
    """Read CSV (the value is the quote character)."""
    delimiter: str | None = None
    """Field delimiter."""
    fixedwidth: str | None = None
    """Fixed-width column spec (`label:width,...`)."""
    json_: str | None = Field(default=None, alias="json")
    """Read JSON: `auto` or a JSONPaths file."""
    avro: str | None = None
    """Read Avro: `auto` or a JSONPaths file."""
    gzip: Bool | None = None
    """The files are gzip-compressed."""
    bzip2: Bool | None = None
    """The files are bzip2-compressed."""
    lzop: Bool | None = None
    """The files are lzop-compressed."""
    acceptanydate: Bool | None = None
    """Load any date format (invalid dates become NULL)."""
    acceptinvchars: str | None = None
    """Replace invalid UTF-8 characters with this character."""
    blanksasnull: Bool | None = None
    """Load blank fields as NULL."""
    dateformat: str | None = None
    """Date format of the data."""
    emptyasnull: Bool | None = None
    """Load empty fields as NULL."""
    encoding: str | None = None
    """Encoding of the data."""
    escape: Bool | None = None
    """A backslash escapes the next character in the data."""
    explicit_ids: Bool | None = None
    """Load IDENTITY columns from the data."""
    fillrecord: Bool | None = None
    """Fill missing trailing columns with NULL."""
    ignoreblanklines: Bool | None = None
    """Skip blank lines."""
    ignoreheader: Int | None = None
    """Number of header lines to skip."""
    null_as: str | None = None
    """Text that stands for NULL."""
    removequotes: Bool | None = None
    """Strip surrounding quotes from fields."""
    roundec: Bool | None = None
    """Round numbers to the column's scale instead of truncating."""
    timeformat: str | None = None
    """Time format of the data."""
    trimblanks: Bool | None = None
    """Trim trailing blanks of VARCHAR fields."""
    truncatecolumns: Bool | None = None
    """Truncate data that does not fit its column."""
    comprows: Int | None = None
    """Rows sampled for compression analysis."""
    compupdate: str | None = None
    """Apply compression encodings: `ON`, `OFF` or `PRESET`."""
    maxerror: Int | None = None
    """Errors allowed before the load fails."""
    noload: Bool | None = None
    """Check the files without loading them."""
    statupdate: str | None = None
    """Update table statistics: `ON` or `OFF`."""
    temp_credentials: Bool | None = None
    """Use temporary credentials from STS (default true)."""
    session_duration: Int | None = None
    """Lifetime of the temporary credentials in seconds."""


@register_operator
class RedshiftUnloadTask(_JdbcParams):
    """``redshift_unload>:``: ``UNLOAD`` a query's result from Redshift to S3."""

    operator: Literal["redshift_unload"] = "redshift_unload"
    command: Any = None
    query: str | None = None
    """SELECT whose result is unloaded (required)."""
    to: str | None = None
    """S3 URI prefix to unload to (required)."""
    manifest: Bool | None = None
    """Also write a manifest file."""
    encrypted: Bool | None = None
    """Encrypt the files client side."""
    allowoverwrite: Bool | None = None
    """Overwrite existing files."""
    delimiter: str | None = None
    """Field delimiter."""
    fixedwidth: str | None = None
    """Fixed-width column spec (`label:width,...`)."""
    gzip: Bool | None = None
    """Compress the files with gzip."""
    bzip2: Bool | None = None
    """Compress the files with bzip2."""
    null_as: str | None = None
    """Text written for NULL."""
    escape: Bool | None = None
    """Escape delimiters and quotes with a backslash."""
    addquotes: Bool | None = None
    """Quote every field."""
    # `parallel` is also the Python name of `_parallel`: only `parallel_=` sets this one in code.
    parallel_: Bool | None = Field(default=None, alias="parallel", validation_alias="parallel_")
    """Write one file per slice (`true`, default) or one file."""
    temp_credentials: Bool | None = None
    """Use temporary credentials from STS (default true)."""
    session_duration: Int | None = None
    """Lifetime of the temporary credentials in seconds."""


# ----------------------------------------------------------------------------- AWS


@register_operator
class S3WaitTask(OperatorTask):
    """``s3_wait>: bucket/key``: wait until an S3 object exists."""

    operator: Literal["s3_wait"] = "s3_wait"
    command: str | None = None
    bucket: str | None = None
    """Bucket name (instead of `bucket/key` as the command)."""
    # `Task.key` is the task's own data key (`+name`).
    key_: str | None = Field(default=None, alias="key")
    """Object key (with `bucket`)."""
    version_id: str | None = None
    """Version of the object to wait for."""
    region: str | None = None
    """AWS region."""
    endpoint: str | None = None
    """S3 endpoint."""
    path_style_access: Bool | None = None
    """Use path-style URLs (default false)."""
    timeout: str | None = None
    """Give up after this long (`1h`, `30m`)."""
    continue_on_timeout: Bool | None = None
    """Succeed instead of failing on timeout (default false)."""


@register_operator
class EmrTask(OperatorTask):
    """``emr>:``: run steps on a new or an existing Amazon EMR cluster."""

    operator: Literal["emr"] = "emr"
    command: Any = None
    cluster: str | dict[str, Any] | None = None
    """Id of a running cluster, or the definition of a new one (`{name, release, ec2, ...}`)."""
    staging: str | None = None
    """S3 URI where local files are staged."""
    steps: list[dict[str, Any]] | None = None
    """Steps to run: `{type: flink|hive|spark|spark-sql|script|command, ...}`."""
    action_on_failure: str | None = None
    """What EMR does when a step fails (default `CANCEL_AND_WAIT`)."""


# ----------------------------------------------------------------------------- Google Cloud


@register_operator
class GcsWaitTask(OperatorTask):
    """``gcs_wait>: bucket/object``: wait until a Google Cloud Storage object exists."""

    operator: Literal["gcs_wait"] = "gcs_wait"
    command: str | None = None
    bucket: str | None = None
    """Bucket name (instead of `bucket/object` as the command)."""
    object_: str | None = Field(default=None, alias="object")
    """Object name (with `bucket`)."""


@register_operator
class BqTask(OperatorTask):
    """``bq>: query.sql``: run a BigQuery query."""

    operator: Literal["bq"] = "bq"
    command: str | dict[str, Any] | None = None
    query: str | None = None
    """SQL text (instead of a query file)."""
    location: str | None = None
    """BigQuery location of the job."""
    dataset: str | None = None
    """Default dataset."""
    destination_table: str | None = None
    """Table to write the result to."""
    create_disposition: str | None = None
    """`CREATE_IF_NEEDED` or `CREATE_NEVER`."""
    write_disposition: str | None = None
    """`WRITE_TRUNCATE`, `WRITE_APPEND` or `WRITE_EMPTY`."""
    priority: str | None = None
    """`INTERACTIVE` (default) or `BATCH`."""
    use_query_cache: Bool | None = None
    """Use cached results (default true)."""
    allow_large_results: Bool | None = None
    """Allow large results (legacy SQL)."""
    flatten_results: Bool | None = None
    """Flatten nested fields (legacy SQL)."""
    use_legacy_sql: Bool | None = None
    """Use legacy SQL (default false)."""
    maximum_billing_tier: Int | None = None
    """Maximum billing tier of the query."""
    table_definitions: dict[str, Any] | None = None
    """External tables the query reads (a map)."""
    user_defined_function_resources: list[Any] | None = None
    """UDF resources (legacy SQL)."""


@register_operator
class BqDdlTask(OperatorTask):
    """``bq_ddl>:``: create, empty or delete BigQuery datasets and tables."""

    operator: Literal["bq_ddl"] = "bq_ddl"
    command: Any = None
    # Items are names (`[project:]dataset[.table]`) or objects with the full definition.
    create_datasets: list[Any] | None = None
    """Datasets to create (names or definitions)."""
    empty_datasets: list[Any] | None = None
    """Datasets to empty (re-create)."""
    delete_datasets: list[Any] | None = None
    """Datasets to delete."""
    create_tables: list[Any] | None = None
    """Tables to create (names or definitions)."""
    empty_tables: list[Any] | None = None
    """Tables to empty (re-create)."""
    delete_tables: list[Any] | None = None
    """Tables to delete."""
    dataset: str | None = None
    """Default dataset of the table names."""


@register_operator
class BqExtractTask(OperatorTask):
    """``bq_extract>: table``: export a BigQuery table to Google Cloud Storage."""

    operator: Literal["bq_extract"] = "bq_extract"
    command: str | None = None
    destination: str | list[str] | None = None
    """GCS URI, or list of URIs, to export to (required)."""
    dataset: str | None = None
    """Default dataset."""
    location: str | None = None
    """BigQuery location of the job."""
    print_header: Bool | None = None
    """Write a header row (default true)."""
    field_delimiter: str | None = None
    """Field delimiter of CSV output."""
    destination_format: str | None = None
    """`CSV`, `NEWLINE_DELIMITED_JSON` or `AVRO`."""
    compression: str | None = None
    """`GZIP` or `NONE`."""


@register_operator
class BqLoadTask(OperatorTask):
    """``bq_load>: gs://uri``: load Google Cloud Storage files into a BigQuery table."""

    operator: Literal["bq_load"] = "bq_load"
    command: str | list[str] | None = None
    destination_table: str | None = None
    """Table to load into (required)."""
    dataset: str | None = None
    """Default dataset."""
    location: str | None = None
    """BigQuery location of the job."""
    # Documented, though Digdag does not read it (the project comes from the credential).
    project: str | None = None
    """Project of the table (documented, but Digdag takes it from the credential)."""
    source_format: str | None = None
    """`CSV`, `NEWLINE_DELIMITED_JSON`, `AVRO`, `DATASTORE_BACKUP`, ..."""
    field_delimiter: str | None = None
    """Field delimiter (CSV)."""
    create_disposition: str | None = None
    """`CREATE_IF_NEEDED` or `CREATE_NEVER`."""
    write_disposition: str | None = None
    """`WRITE_TRUNCATE`, `WRITE_APPEND` or `WRITE_EMPTY`."""
    skip_leading_rows: Int | None = None
    """Header rows to skip (CSV)."""
    encoding: str | None = None
    """`UTF-8` or `ISO-8859-1`."""
    quote: str | None = None
    """Quote character (CSV)."""
    max_bad_records: Int | None = None
    """Bad records allowed before the job fails."""
    allow_quoted_newlines: Bool | None = None
    """Quoted fields may contain newlines (CSV)."""
    allow_jagged_rows: Bool | None = None
    """Missing trailing columns load as NULL (CSV)."""
    ignore_unknown_values: Bool | None = None
    """Ignore values that are not in the schema."""
    projection_fields: list[str] | None = None
    """Entity properties to load (Datastore backups)."""
    autodetect: Bool | None = None
    """Infer the schema from the data."""
    schema_update_options: list[str] | None = None
    """Schema changes the load may make."""
    # An inline table schema, or the path of a file holding it.
    schema_: dict[str, Any] | str | None = Field(default=None, alias="schema")
    """Table schema: an object, or the path of a file that holds it."""


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
