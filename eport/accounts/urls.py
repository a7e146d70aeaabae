from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("security/", views.SecurityView.as_view(), name="security"),
    path("second-factor/setup/", views.SecondFactorEnrolView.as_view(), name="second_factor_enrol"),
    path("second-factor/", views.SecondFactorVerifyView.as_view(), name="second_factor_verify"),
    path(
        "second-factor/recovery-codes/",
        views.RecoveryCodesView.as_view(),
        name="recovery_codes",
    ),
]
