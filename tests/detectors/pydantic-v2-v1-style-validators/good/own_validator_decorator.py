from app.checks import validator


@validator("email")
def check_email(value):
    return value
