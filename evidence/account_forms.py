"""allauth's sign-in, sign-up and password-reset forms with error messages that say what to do."""

from allauth.account import forms as allauth_forms

from .forms import say

EMAIL = {"required": "Enter your e-mail address.", "invalid": "Enter an e-mail address like name@example.org."}


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        say(self, {"login": EMAIL, "password": {"required": "Enter your password."}})


class SignupForm(allauth_forms.SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        say(
            self,
            {
                "email": EMAIL,
                "password1": {"required": "Choose a password of at least 8 characters that is not a common one."},
                "password2": {"required": "Enter the same password again, to check it."},
            },
        )


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        say(self, {"email": EMAIL})
