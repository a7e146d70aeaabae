from django.urls import path

from .views import bank, bill, steps, trader

app_name = "payments"
urlpatterns = [
    path("payments/", trader.overview, name="overview"),
    path("payments/agreements/", trader.request_agreement, name="request_agreement"),
    path(
        "payments/agreements/<uuid:uuid>/<slug:step>/", steps.agreement_step, name="agreement_step"
    ),
    path("payments/bills/<uuid:uuid>/", bill.bill_detail, name="bill"),
    path("payments/bills/<uuid:uuid>/pay/", bill.instruct, name="instruct"),
    path(
        "payments/bills/<uuid:uuid>/guarantee/",
        bill.release_against_guarantee,
        name="release_against_guarantee",
    ),
    path("payments/bills/<uuid:uuid>/counter/", bill.counter_payment, name="counter_payment"),
    path(
        "payments/instructions/<uuid:uuid>/<slug:step>/",
        steps.instruction_step,
        name="instruction_step",
    ),
    path(
        "payments/guarantees/<uuid:uuid>/<slug:step>/", steps.guarantee_step, name="guarantee_step"
    ),
    path("bank/payments/", bank.bank_payments, name="bank"),
    path("bank/payments/guarantees/", bank.issue_guarantee, name="issue_guarantee"),
    path("bank/payments/statement.csv", bank.statement, name="statement"),
]
