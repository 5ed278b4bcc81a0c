import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def report(conn_sess: AsyncSession, account_id: int) -> dict:
    invoices, payments = await asyncio.gather(
        load_invoices(conn_sess, account_id),
        load_payments(conn_sess, account_id),
    )
    return {"invoices": invoices, "payments": payments}
