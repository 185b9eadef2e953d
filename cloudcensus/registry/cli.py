"""`cloudcensus registry ...`: serve, migrate, add institutions, create tokens.

The database comes from `--database-url` or `CLOUDCENSUS_REGISTRY_DATABASE_URL`; without
either, a SQLite file in `--state-dir` (default: the XDG state directory).
"""

from __future__ import annotations

from pathlib import Path

import click

from cloudcensus.registry.admin import add_institution
from cloudcensus.registry.db import create_db_engine, migrate, session_factory
from cloudcensus.registry.settings import RegistrySettings, default_state_dir
from cloudcensus.registry.tokens import Role, TokenError, issue_token

__all__ = ["registry"]

_URL_ENV = "CLOUDCENSUS_REGISTRY_DATABASE_URL"


@click.group()
@click.option("--database-url", envvar=_URL_ENV, help="SQLAlchemy URL (default: SQLite file)")
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="CLOUDCENSUS_REGISTRY_STATE_DIR",
    help="where the SQLite database lives",
)
@click.pass_context
def registry(ctx: click.Context, database_url: str | None, state_dir: Path | None) -> None:
    """The central registry: findings of every institution's agent."""
    ctx.obj = RegistrySettings(
        database_url=database_url, state_dir=state_dir or default_state_dir()
    )


@registry.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.pass_obj
def serve(settings: RegistrySettings, host: str, port: int) -> None:
    """Run the registry (migrates the database first)."""
    import uvicorn

    from cloudcensus.registry.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True)


@registry.command("migrate")
@click.pass_obj
def migrate_command(settings: RegistrySettings) -> None:
    """Bring the database schema up to date."""
    migrate(create_db_engine(settings))
    click.echo("database schema is up to date")


@registry.group()
def institution() -> None:
    """Manage institutions."""


@institution.command("add")
@click.argument("name")
@click.pass_obj
def institution_add(settings: RegistrySettings, name: str) -> None:
    """Add an institution."""
    engine = create_db_engine(settings)
    migrate(engine)
    with session_factory(engine)() as session:
        try:
            add_institution(session, name)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        session.commit()
    click.echo(f"institution {name} added")


@registry.group()
def token() -> None:
    """Manage tokens."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--institution", "institutions", multiple=True, help="repeatable")
@click.option("--all", "all_institutions", is_flag=True, help="reader of every institution")
@click.option("--description", help="who or what uses the token")
@click.pass_obj
def token_create(
    settings: RegistrySettings,
    role: str,
    institutions: tuple[str, ...],
    all_institutions: bool,
    description: str | None,
) -> None:
    """Create a token and print it once: it is stored only as a hash."""
    engine = create_db_engine(settings)
    migrate(engine)
    with session_factory(engine)() as session:
        try:
            secret = issue_token(
                session,
                Role(role),
                list(institutions),
                all_institutions=all_institutions,
                description=description,
            )
        except TokenError as error:
            raise click.ClickException(str(error)) from error
        session.commit()
    click.echo(secret)
