from django.urls import path

from . import account, views

app_name = "core"

urlpatterns = [
    path("sign-in/", views.login, name="login"),
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("sign-in/set-up-two-factor/", views.sign_in_set_up, name="sign_in_set_up"),
    path("sign-out/", views.logout, name="logout"),
    path("signed-out/", views.signed_out, name="signed_out"),
    path("practice/", views.choose_practice, name="choose_practice"),
    path("account/", account.account, name="account"),
    path("account/password/", account.PasswordChange.as_view(), name="password_change"),
    path("account/two-factor/", account.two_factor_set_up, name="two_factor_set_up"),
    path("account/two-factor/backup-codes/", views.backup_codes, name="backup_codes"),
    path("account/two-factor/new-backup-codes/", account.new_backup_codes, name="new_backup_codes"),
    path("account/two-factor/turn-off/", account.two_factor_off, name="two_factor_off"),
    path("account/sign-out-everywhere/", account.sign_out_everywhere, name="sign_out_everywhere"),
    path("account/practice-security/", account.practice_security, name="practice_security"),
    path("password-reset/", account.PasswordReset.as_view(), name="password_reset"),
    path("password-reset/sent/", account.PasswordResetDone.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", account.PasswordResetConfirm.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", account.PasswordResetComplete.as_view(), name="password_reset_complete"),
]
