"""`askes user` and `askes token`: users and API tokens from the command line."""

from __future__ import annotations

import click

from backend.cli_context import Context, pass_context


@click.group()
def user() -> None:
    """Users."""


@user.command("create")
@click.argument("username")
@click.option("--role", "role_name", required=True, help="admin, insurer, provider or member")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--display-name")
@click.option("--provider-npi", help="the provider organization a provider user belongs to")
@click.option("--member-number", help="the member a member user is")
@pass_context
def user_create(context: Context, username, role_name, password, display_name, provider_npi,
                member_number) -> None:  # fmt: skip
    """Create a user."""
    from backend.auth.service import create_user
    from backend.db import Session
    from backend.members.models import Member
    from backend.providers.models import Provider

    context.engine  # noqa: B018 - binds the session
    session = Session()
    provider = session.query(Provider).filter_by(npi=provider_npi).one_or_none()
    member = session.query(Member).filter_by(member_number=member_number).one_or_none()
    if provider_npi and provider is None:
        raise click.UsageError(f"no provider with NPI {provider_npi}")
    if member_number and member is None:
        raise click.UsageError(f"no member {member_number}")
    try:
        created = create_user(
            session, username, password, role_name, display_name,
            provider_id=provider.id if provider else None, member_id=member.id if member else None,
        )  # fmt: skip
    except ValueError as refused:
        raise click.UsageError(str(refused)) from None
    session.commit()
    click.echo(f"user {created.username} ({created.role_name}) created, id {created.id}")


@click.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--user", "username", required=True)
@click.option("--name", required=True, help="what the token is for")
@click.option("--scope", "scopes", multiple=True, help="a permission; default: all of the role's")
@pass_context
def token_create(context: Context, username: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create an API token; it is printed this once."""
    from backend.auth.models import User
    from backend.auth.tokens import issue_token
    from backend.db import Session

    context.engine  # noqa: B018 - binds the session
    session = Session()
    owner = session.query(User).filter_by(username=username.lower()).one_or_none()
    if owner is None:
        raise click.UsageError(f"no user {username}")
    try:
        issued = issue_token(session, owner, name, list(scopes or owner.role.permissions))
    except ValueError as refused:
        raise click.UsageError(str(refused)) from None
    session.commit()
    click.echo(issued.plaintext)
