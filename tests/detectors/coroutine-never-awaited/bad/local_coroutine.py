async def handler(request):
    async def audit():
        await log.write(request.url)

    audit()
    return {"ok": True}
