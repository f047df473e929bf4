"""Staff: users and departments (admins manage them; staff list them)."""

from __future__ import annotations

from typing import Any

from hub.actions import staff
from hub.api import schemas
from hub.api.http import Ctx
from hub.api.routes import api
from hub.api.routes.models import ADMINS, STAFF, DepartmentIn, DepartmentPatch, UserIn, UserPatch, items_json
from hub.queries import staff as staff_queries
from hub.representations import department_json, user_json

TAG = "staff"


@api.route(
    "GET", "/api/v1/users", summary="Staff and partners", tag=TAG, auth=STAFF, response=schemas.USER_LIST
)
async def list_users(ctx: Ctx) -> Any:
    return items_json(await staff_queries.users(ctx.hub, ctx.user), user_json)


@api.route(
    "POST",
    "/api/v1/users",
    summary="Add a user (admins)",
    tag=TAG,
    auth=ADMINS,
    body=UserIn,
    status=201,
    response=schemas.USER,
    responses={409: "the email is taken"},
)
async def create_user(ctx: Ctx, body: UserIn) -> Any:
    return user_json(await staff.create_user(ctx.hub, actor=ctx.user, **body.model_dump()))


@api.route(
    "PATCH",
    "/api/v1/users/{user_id}",
    summary="Change a user (admins)",
    tag=TAG,
    auth=ADMINS,
    body=UserPatch,
    response=schemas.USER,
)
async def patch_user(ctx: Ctx, user_id: str, body: UserPatch) -> Any:
    return user_json(
        await staff.update_user(ctx.hub, user_id, actor=ctx.user, **body.model_dump(exclude_unset=True))
    )


@api.route(
    "GET", "/api/v1/departments", summary="Departments", tag=TAG, auth=STAFF, response=schemas.DEPARTMENT_LIST
)
async def list_departments(ctx: Ctx) -> Any:
    return items_json(await staff_queries.departments(ctx.hub, ctx.user), department_json)


@api.route(
    "POST",
    "/api/v1/departments",
    summary="Add a department (admins)",
    tag=TAG,
    auth=ADMINS,
    body=DepartmentIn,
    status=201,
    response=schemas.DEPARTMENT,
    responses={409: "the name is taken"},
)
async def create_department(ctx: Ctx, body: DepartmentIn) -> Any:
    return department_json(await staff.create_department(ctx.hub, body.name, actor=ctx.user))


@api.route(
    "PATCH",
    "/api/v1/departments/{department_id}",
    summary="Change a department: rename it, set its assignment policy (admins)",
    tag=TAG,
    auth=ADMINS,
    body=DepartmentPatch,
    response=schemas.DEPARTMENT,
    responses={409: "the name is taken"},
)
async def rename_department(ctx: Ctx, department_id: str, body: DepartmentPatch) -> Any:
    department = await staff.update_department(
        ctx.hub, department_id, actor=ctx.user, assignment=body.assignment, accept_minutes=body.accept_minutes
    )
    if body.name is not None:
        department = await staff.rename_department(ctx.hub, department_id, body.name, actor=ctx.user)
    return department_json(department)
