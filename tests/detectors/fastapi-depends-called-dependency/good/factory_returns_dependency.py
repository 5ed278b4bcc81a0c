from fastapi import Depends


def require_role(role):
    async def check(user=Depends(current_user)):
        return user
    return check


async def admin_page(admin=Depends(require_role("admin"))):
    return admin
