async def send_email(to, body):
    await smtp.send(to, body)


def on_signup(user):
    send_email(user.email, "welcome")
