import asyncio


def configure():
    policy = asyncio.get_event_loop_policy()
    return policy
