"""Static checks of the container deployment files: docker-compose.yml, Dockerfile, .dockerignore.

There is no Docker engine and no network at test time, so the files are parsed and the
properties that matter are asserted directly: every reference resolves (build targets,
dependencies, volumes), secrets are never committed as values, every service waits for its
infrastructure and its migration, images run as a non-root user from the frozen lock.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"

# A copy of the Compose specification schema (compose-spec/compose-spec, schema/compose-spec.json)
# is used when one is available offline: vendored beside this file, or named by the variable.
COMPOSE_SCHEMA_ENV = "LEDGERBRIDGE_COMPOSE_SCHEMA"
VENDORED_COMPOSE_SCHEMA = Path(__file__).with_name("compose-spec.json")


@dataclass(frozen=True)
class AppService:
    name: str
    prefix: str
    port: int
    # Settings each service must be given besides the common ones.
    extra_env: frozenset[str] = frozenset()

    @property
    def script(self) -> str:
        return f"lb-{self.name}"

    @property
    def package(self) -> str:
        return f"lb-{self.name}"


APP_SERVICES: dict[str, AppService] = {
    svc.name: svc
    for svc in (
        AppService("gateway", "GATEWAY_", 8000, frozenset({"API_KEY"})),
        AppService(
            "ingest",
            "INGEST_",
            8001,
            frozenset({"SPAPI_ENDPOINT", "LWA_TOKEN_URL", "LWA_CLIENT_ID", "LWA_CLIENT_SECRET"}),
        ),
        AppService(
            "ledger",
            "LEDGER_",
            8002,
            frozenset({"QBO_API_BASE", "INTUIT_TOKEN_URL", "QBO_CLIENT_ID", "QBO_CLIENT_SECRET"}),
        ),
        AppService("inventory", "INVENTORY_", 8003, frozenset({"SPAPI_ENDPOINT", "QBO_API_BASE"})),
    )
}
COMMON_ENV = frozenset(
    {
        "ENVIRONMENT",
        "DATABASE_URL",
        "AMQP_URL",
        "HTTP_HOST",
        "HTTP_PORT",
        "LOG_JSON",
        "AUTO_MIGRATE",
    }
)
INFRA_ENV: dict[str, frozenset[str]] = {
    "postgres": frozenset(
        {
            "POSTGRES_USER",
            "POSTGRES_PASSWORD",
            "POSTGRES_DB",
            "POSTGRES_INITDB_ARGS",
            "POSTGRES_HOST_AUTH_METHOD",
            "PGDATA",
        }
    ),
    "rabbitmq": frozenset(
        {
            "RABBITMQ_DEFAULT_USER",
            "RABBITMQ_DEFAULT_PASS",
            "RABBITMQ_DEFAULT_VHOST",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
        }
    ),
}
REQUIRED_SERVICES = frozenset(INFRA_ENV) | frozenset(APP_SERVICES)

SECRET_KEY = re.compile(r"PASSWORD|_PASS$|SECRET|API_KEY|PRIVATE_KEY")
# `${NAME:?message}`: Compose refuses to start when NAME is unset or empty.
REQUIRED_INTERPOLATION = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]+\}")
URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^:/@\s]*:(?P<password>.+)@[^@]*$")


# ---------------------------------------------------------------------------------------------
# docker-compose.yml helpers


@cache
def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml must be a mapping"
    return data


def services() -> dict[str, dict[str, Any]]:
    found = load_compose().get("services")
    assert isinstance(found, dict) and found, "docker-compose.yml has no services"
    return found


def environment_of(service: dict[str, Any]) -> dict[str, str | None]:
    """The service's environment as a mapping, for either Compose spelling (map or list)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) for item in env)
        return {pair[0]: (pair[1] if len(pair) == 2 else None) for pair in pairs}
    return {key: (None if value is None else str(value)) for key, value in env.items()}


def depends_on_of(service: dict[str, Any]) -> dict[str, str]:
    """Dependency name -> condition (the list spelling means `service_started`)."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def command_of(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    if isinstance(command, str):
        return shlex.split(command)
    return list(command or [])


def migration_of(app: AppService) -> str:
    """Name of the one-shot service that the app waits for to complete."""
    deps = depends_on_of(services()[app.name])
    completed = [name for name, cond in deps.items() if cond == "service_completed_successfully"]
    assert len(completed) == 1, (
        f"{app.name} must depend on exactly one migration service with "
        f"condition: service_completed_successfully, found {completed}"
    )
    return completed[0]


def env_owner(service_name: str) -> AppService | None:
    """The app service whose settings a compose service carries (itself or its migration)."""
    if service_name in APP_SERVICES:
        return APP_SERVICES[service_name]
    for app in APP_SERVICES.values():
        if service_name in (f"{app.name}-migrate", f"migrate-{app.name}"):
            return app
    return None


def healthcheck_command(service: dict[str, Any]) -> str:
    check = service.get("healthcheck")
    assert isinstance(check, dict), "no healthcheck"
    assert not check.get("disable"), "healthcheck disabled"
    test = check.get("test")
    assert test, "healthcheck has no test"
    if isinstance(test, str):
        return test
    assert test[0] in ("CMD", "CMD-SHELL"), f"healthcheck test must start with CMD: {test}"
    return " ".join(test[1:])


def volume_sources(service: dict[str, Any]) -> Iterator[str]:
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            source = volume.split(":", 1)[0]
            if ":" in volume and not source.startswith((".", "/", "~", "$")):
                yield source
        elif volume.get("type") == "volume" and volume.get("source"):
            yield volume["source"]


# ---------------------------------------------------------------------------------------------
# Dockerfile parsing


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


@dataclass
class Stage:
    name: str
    base: str
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [ins for ins in self.instructions if ins.keyword == keyword]


@dataclass
class Dockerfile:
    global_args: dict[str, str]
    stages: list[Stage]

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name.lower()), None)

    def lineage(self, name: str) -> list[Stage]:
        """The stage and the stages it is built FROM, root first."""
        chain: list[Stage] = []
        current = self.stage(name)
        while current is not None:
            assert current not in chain, f"FROM cycle through stage {current.name}"
            chain.insert(0, current)
            current = self.stage(current.base)
        return chain

    def effective(self, name: str, keyword: str) -> Instruction | None:
        """The instruction of this kind in force in a stage (the last one along its lineage)."""
        found = [ins for stage in self.lineage(name) for ins in stage.all(keyword)]
        return found[-1] if found else None

    def root_image(self, name: str) -> str:
        image = self.lineage(name)[0].base
        return re.sub(
            r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?",
            lambda m: self.global_args.get(m.group(1), m.group(0)),
            image,
        )


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Instructions with their continuation lines joined; comments and blank lines dropped."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines, also in the middle of a continuation
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        yield start, " ".join(part for part in pending if part)
        pending = []
    assert not pending, "Dockerfile ends in a line continuation"


@cache
def load_dockerfile() -> Dockerfile:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line, text in logical_lines(DOCKERFILE.read_text(encoding="utf-8")):
        keyword, _, args = text.partition(" ")
        keyword = keyword.upper()
        args = args.strip()
        if keyword == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else ""
            stages.append(Stage(name=name or str(len(stages)), base=words[0], line=line))
        elif not stages:
            assert keyword == "ARG", f"line {line}: only ARG may come before the first FROM"
            arg_name, _, default = args.partition("=")
            global_args[arg_name.strip()] = default.strip().strip("\"'")
        else:
            stages[-1].instructions.append(Instruction(keyword, args, line))
    return Dockerfile(global_args, stages)


def exec_form(instruction: Instruction) -> list[str]:
    value = json.loads(instruction.args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
    return value


def copy_sources(instruction: Instruction) -> list[str]:
    words = [w for w in shlex.split(instruction.args) if not w.startswith("--")]
    return words[:-1]


# ---------------------------------------------------------------------------------------------
# .dockerignore evaluation (the rules moby applies: last match wins, `!` re-includes, a pattern
# that matches a directory covers everything below it, `**` spans directories).


def _ignore_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            out.append(pattern[i : end + 1])
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("^" + "".join(out) + "$")


@cache
def ignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules: list[tuple[bool, re.Pattern[str]]] = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        rules.append((include, _ignore_regex(pattern)))
    return rules


def in_build_context(path: str) -> bool:
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for include, regex in ignore_rules():
        if any(regex.match(prefix) for prefix in prefixes):
            excluded = not include
    return not excluded


def repo_files(relative: str) -> Iterable[str]:
    """Files the repository has at a COPY source, as context-relative paths."""
    path = REPO_ROOT / relative
    if path.is_file():
        return [relative]
    skip = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
    return [
        p.relative_to(REPO_ROOT).as_posix()
        for p in path.rglob("*")
        if p.is_file() and not skip.intersection(p.parts) and p.suffix not in {".pyc", ".pyo"}
    ]


# ---------------------------------------------------------------------------------------------
# docker-compose.yml


def test_compose_parses_with_services_and_named_volumes() -> None:
    compose = load_compose()
    assert isinstance(compose.get("services"), dict)
    assert isinstance(compose.get("volumes"), dict)
    unknown = [
        key
        for key in compose
        if not key.startswith("x-")
        and key not in {"name", "services", "volumes", "networks", "secrets", "configs"}
    ]
    assert not unknown, f"unexpected top-level keys {unknown}"


@pytest.mark.parametrize("name", sorted(REQUIRED_SERVICES))
def test_required_service_exists(name: str) -> None:
    assert name in services()


def test_compose_matches_compose_spec_schema_when_available() -> None:
    configured = os.environ.get(COMPOSE_SCHEMA_ENV, "")
    if configured and not Path(configured).is_file():
        # .ci/run fetches the schema and sets this; a missing file there is a CI failure.
        pytest.fail(f"{COMPOSE_SCHEMA_ENV}={configured} does not exist")
    candidates = [Path(p) for p in [configured] if p]
    candidates.append(VENDORED_COMPOSE_SCHEMA)
    schema_path = next((p for p in candidates if p.is_file()), None)
    if schema_path is None:
        pytest.skip(
            f"no offline Compose schema: vendor compose-spec.json beside this test "
            f"or set {COMPOSE_SCHEMA_ENV}"
        )
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    errors = sorted(validator(schema).iter_errors(load_compose()), key=lambda e: e.json_path)
    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors)


def test_every_depends_on_target_exists_and_there_is_no_cycle() -> None:
    graph = {name: set(depends_on_of(svc)) for name, svc in services().items()}
    for name, deps in graph.items():
        missing = deps - graph.keys()
        assert not missing, f"{name} depends on undefined services {sorted(missing)}"

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"depends_on cycle: {' -> '.join((*path, name))}"
        for dep in graph[name]:
            visit(dep, (*path, name))

    for name in graph:
        visit(name, ())


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_service_waits_for_healthy_infrastructure_and_its_migration(name: str) -> None:
    deps = depends_on_of(services()[name])
    assert deps.get("postgres") == "service_healthy"
    assert deps.get("rabbitmq") == "service_healthy"
    migration = migration_of(APP_SERVICES[name])
    assert migration in services()


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_migration_service_runs_the_services_migrate_command_once(name: str) -> None:
    app = APP_SERVICES[name]
    migration_name = migration_of(app)
    migration = services()[migration_name]
    assert command_of(migration) == [app.script, "migrate"]
    assert migration.get("restart", "no") == "no", "a one-shot migration must not restart"
    assert depends_on_of(migration).get("postgres") == "service_healthy"
    assert migration.get("build", {}).get("target") == services()[name]["build"]["target"], (
        "the migration must run in the same image as the service"
    )
    assert environment_of(migration) == environment_of(services()[name]), (
        "the migration must see the same settings as the service"
    )
    assert "ports" not in migration


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_service_serves_its_own_image_target(name: str) -> None:
    service = services()[name]
    assert service["build"]["target"] == name
    command = command_of(service)
    assert not command or command == [APP_SERVICES[name].script, "serve"]
    assert service.get("restart") in ("unless-stopped", "always", "on-failure")


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_service_healthcheck_probes_healthz_without_curl(name: str) -> None:
    app = APP_SERVICES[name]
    command = healthcheck_command(services()[name])
    assert f":{app.port}/healthz" in command
    assert "urllib" in command, "slim images have no curl or wget: use python's urllib"


def test_infrastructure_healthchecks() -> None:
    assert "pg_isready" in healthcheck_command(services()["postgres"])
    rabbit = healthcheck_command(services()["rabbitmq"])
    assert "rabbitmq-diagnostics" in rabbit
    assert re.search(r"\b(ping|check_port_connectivity|check_running)\b", rabbit)


def test_infrastructure_images() -> None:
    assert re.fullmatch(r"postgres:16(\.\d+)*(-[\w.]+)?", services()["postgres"]["image"])
    rabbit_image = services()["rabbitmq"]["image"]
    assert rabbit_image.startswith("rabbitmq:3.1"), rabbit_image
    assert "management" in rabbit_image.split(":", 1)[1], "the management plugin is needed"


@pytest.mark.parametrize("name", sorted(INFRA_ENV))
def test_infrastructure_keeps_its_data_in_a_declared_named_volume(name: str) -> None:
    declared = set(load_compose().get("volumes") or {})
    used = list(volume_sources(services()[name]))
    assert used, f"{name} has no named volume"
    assert set(used) <= declared, f"{name} uses undeclared volumes {sorted(set(used) - declared)}"


def test_every_build_target_is_a_dockerfile_stage() -> None:
    dockerfile = load_dockerfile()
    built = {name: svc["build"] for name, svc in services().items() if "build" in svc}
    assert set(APP_SERVICES) <= set(built)
    for name, build in built.items():
        assert isinstance(build, dict), f"{name}: build must name a target"
        used = REPO_ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
        assert used.resolve() == DOCKERFILE.resolve(), f"{name} builds from another Dockerfile"
        assert dockerfile.stage(build.get("target", "")) is not None, (
            f"{name}: target {build.get('target')!r} is not a stage of the Dockerfile"
        )


def test_secrets_are_required_interpolations_never_values() -> None:
    checked = 0
    for name, service in services().items():
        for key, value in environment_of(service).items():
            if SECRET_KEY.search(key):
                checked += 1
                assert value is not None and REQUIRED_INTERPOLATION.fullmatch(value), (
                    f"{name}.{key} must be ${{VAR:?message}}, not {value!r}"
                )
            url = URL_PASSWORD.match(value or "")
            if url:
                checked += 1
                assert REQUIRED_INTERPOLATION.fullmatch(url.group("password")), (
                    f"{name}.{key} embeds a password that is not ${{VAR:?message}}"
                )
    assert checked, "no secret found: the check itself is broken"


def test_environment_keys_carry_the_service_prefix() -> None:
    for name, service in services().items():
        keys = set(environment_of(service))
        owner = env_owner(name)
        if owner is not None:
            stray = sorted(k for k in keys if not k.startswith(owner.prefix))
            assert not stray, f"{name}: {stray} lack the {owner.prefix} prefix"
        elif name in INFRA_ENV:
            stray = sorted(keys - INFRA_ENV[name])
            assert not stray, f"{name}: unexpected variables {stray}"
        else:
            pytest.fail(f"service {name} is unknown to this test: teach it the service's env rule")


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_service_is_configured_completely(name: str) -> None:
    app = APP_SERVICES[name]
    env = environment_of(services()[name])
    expected = {app.prefix + key for key in COMMON_ENV | app.extra_env}
    assert expected <= set(env), f"{name} lacks {sorted(expected - set(env))}"
    assert env[f"{app.prefix}HTTP_PORT"] == str(app.port)
    assert env[f"{app.prefix}HTTP_HOST"] == "0.0.0.0"
    assert env[f"{app.prefix}AUTO_MIGRATE"] == "false", "the one-shot migration migrates"
    database_url = env[f"{app.prefix}DATABASE_URL"] or ""
    assert database_url.startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in database_url
    amqp_url = env[f"{app.prefix}AMQP_URL"] or ""
    assert amqp_url.startswith("amqp://")
    assert "@rabbitmq:5672/" in amqp_url


def test_only_the_gateway_is_published() -> None:
    published = {name for name, svc in services().items() if svc.get("ports")}
    assert published == {"gateway"}
    ports = services()["gateway"]["ports"]
    assert len(ports) == 1
    target = ports[0]["target"] if isinstance(ports[0], dict) else str(ports[0]).split(":")[-1]
    assert str(target) == "8000"


# ---------------------------------------------------------------------------------------------
# Dockerfile


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_dockerfile_target_is_python_slim_and_serves_its_service(name: str) -> None:
    dockerfile = load_dockerfile()
    assert dockerfile.stage(name) is not None, f"no `FROM ... AS {name}` stage"
    assert dockerfile.root_image(name) == "python:3.11-slim"
    cmd = dockerfile.effective(name, "CMD")
    assert cmd is not None, f"{name} has no CMD"
    assert exec_form(cmd) == [APP_SERVICES[name].script, "serve"]


def test_every_serve_cmd_belongs_to_its_target() -> None:
    dockerfile = load_dockerfile()
    seen = 0
    for stage in dockerfile.stages:
        for cmd in stage.all("CMD"):
            match = re.search(r"\blb-([a-z]+)\b[\"',\s]+serve\b", cmd.args)
            if match:
                seen += 1
                assert match.group(1) == stage.name, (
                    f"line {cmd.line}: `lb-{match.group(1)} serve` in stage {stage.name!r}"
                )
    assert seen == len(APP_SERVICES)


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_dockerfile_target_runs_as_non_root(name: str) -> None:
    user = load_dockerfile().effective(name, "USER")
    assert user is not None, f"{name} has no USER: it would run as root"
    who = user.args.split(":", 1)[0].strip()
    assert who not in ("root", "0", ""), f"{name} runs as {who!r}"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_dockerfile_target_healthcheck_uses_urllib_on_healthz(name: str) -> None:
    check = load_dockerfile().effective(name, "HEALTHCHECK")
    assert check is not None, f"{name} has no HEALTHCHECK"
    assert "urllib" in check.args and "/healthz" in check.args
    assert str(APP_SERVICES[name].port) in check.args
    assert not re.search(r"\b(curl|wget)\b", check.args)


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_dockerfile_target_installs_its_package_from_the_frozen_lock(name: str) -> None:
    dockerfile = load_dockerfile()
    app = APP_SERVICES[name]
    runs = [
        ins.args
        for stage in dockerfile.lineage(name)
        for copy in stage.all("COPY")
        if (m := re.search(r"--from=(\S+)", copy.args))
        for source in dockerfile.lineage(m.group(1))
        for ins in source.all("RUN")
        if "uv sync" in ins.args
    ]
    assert runs, f"{name} copies no virtualenv built with uv sync"
    assert any(re.search(rf"--package[ =]{re.escape(app.package)}\b", run) for run in runs), (
        f"{name} copies a virtualenv that was not synced for {app.package}"
    )


def test_every_uv_sync_is_frozen_and_without_dev_dependencies() -> None:
    runs = [
        ins for stage in load_dockerfile().stages for ins in stage.all("RUN") if "uv " in ins.args
    ]
    syncs = [ins for ins in runs if "uv sync" in ins.args]
    assert syncs
    for ins in syncs:
        assert "--frozen" in ins.args, f"line {ins.line}: uv sync without --frozen"
        assert "--no-dev" in ins.args, f"line {ins.line}: uv sync with dev dependencies"
    for ins in runs:
        assert not re.search(r"\buv (lock|add|pip install)\b", ins.args), (
            f"line {ins.line}: the image must install exactly what uv.lock pins"
        )


def test_uv_lock_is_copied_and_uv_comes_from_pypi() -> None:
    dockerfile = load_dockerfile()
    copies = [
        source
        for stage in dockerfile.stages
        for ins in stage.all("COPY")
        if "--from" not in ins.args
        for source in copy_sources(ins)
    ]
    assert "uv.lock" in copies
    assert any(
        re.search(r"\bpip install\b.*[\"']?\buv\b", ins.args)
        for stage in dockerfile.stages
        for ins in stage.all("RUN")
    ), "uv must be installed with pip from PyPI"


def test_copy_from_names_an_earlier_stage() -> None:
    dockerfile = load_dockerfile()
    names = [stage.name for stage in dockerfile.stages]
    for index, stage in enumerate(dockerfile.stages):
        for copy in stage.all("COPY"):
            match = re.search(r"--from=(\S+)", copy.args)
            if match:
                assert match.group(1).lower() in names[:index], (
                    f"line {copy.line}: --from={match.group(1)} is not an earlier stage"
                )


def test_stage_names_are_unique() -> None:
    names = [stage.name for stage in load_dockerfile().stages]
    assert len(names) == len(set(names))


# ---------------------------------------------------------------------------------------------
# .dockerignore


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.local",
        "services/ledger/.env",
        ".git/config",
        ".venv/bin/python",
        "services/gateway/.venv/bin/python",
        "libs/common/src/lb_common/__pycache__/money.cpython-311.pyc",
        "services/ingest/src/lb_ingest/.mypy_cache/x.json",
        "tests/unit/deploy/test_compose.py",
    ],
)
def test_dockerignore_keeps_out(path: str) -> None:
    assert not in_build_context(path)


def test_dockerignore_keeps_what_the_dockerfile_copies() -> None:
    sources = {
        source
        for stage in load_dockerfile().stages
        for ins in stage.all("COPY")
        if "--from" not in ins.args
        for source in copy_sources(ins)
    }
    assert sources
    for source in sorted(sources):
        files = list(repo_files(source))
        assert files, f"COPY {source}: nothing in the repository"
        excluded = [f for f in files if not in_build_context(f)]
        assert not excluded, f"COPY {source}: .dockerignore drops {excluded[:5]}"


def test_every_workspace_member_pyproject_reaches_the_image_build() -> None:
    """uv reads the whole workspace: a member whose pyproject.toml the build lacks breaks it."""
    import tomllib

    root = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    members = root["tool"]["uv"]["workspace"]["members"]
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    ignore = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for member in members:
        assert f"COPY {member}/pyproject.toml {member}/pyproject.toml" in dockerfile, member
        top = member.split("/", 1)[0]
        assert f"!{top}" in ignore or f"!{top}/*/pyproject.toml" in ignore, member
