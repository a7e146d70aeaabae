from django.urls import include, path, re_path

from . import banks, docs, licences, notifications, payments, views

app_name = "api"

v1 = [
    path("declarations/", views.DeclarationListView.as_view(), name="declarations"),
    path("declarations/<uuid:uuid>/", views.DeclarationDetailView.as_view(), name="declaration"),
    path("declarations/<uuid:uuid>/items/", views.ItemListView.as_view(), name="items"),
    path("declarations/<uuid:uuid>/estimate/", views.EstimateView.as_view(), name="estimate"),
    path("declarations/<uuid:uuid>/copy/", views.DeclarationCopyView.as_view(), name="copy"),
    path("declarations/<uuid:uuid>/documents/", views.DocumentListView.as_view(), name="documents"),
    path("declarations/<uuid:uuid>/timeline/", views.TimelineView.as_view(), name="timeline"),
    path("declarations/<uuid:uuid>/receipt/", views.ReceiptView.as_view(), name="receipt"),
    *[
        path(f"declarations/<uuid:uuid>/{segment}/", view.as_view(), name=segment.replace("/", "_"))
        for segment, view in views.ACTION_VIEWS.items()
    ],
    path("documents/<uuid:uuid>/", views.DocumentDetailView.as_view(), name="document"),
    path("documents/<uuid:uuid>/file/", views.DocumentFileView.as_view(), name="document_file"),
    # Trade finance: presentations (traders), the bank's check, the financing registry.
    path(
        "declarations/<uuid:uuid>/presentations/",
        banks.DeclarationPresentationsView.as_view(),
        name="presentations",
    ),
    path("presentations/<uuid:uuid>/", banks.PresentationDetailView.as_view(), name="presentation"),
    path(
        "presentations/<uuid:uuid>/withdraw/",
        banks.PresentationWithdrawView.as_view(),
        name="presentation_withdraw",
    ),
    path("bank/declarations/", banks.PresentedListView.as_view(), name="bank_declarations"),
    path(
        "bank/declarations/<uuid:uuid>/",
        banks.PresentedDetailView.as_view(),
        name="bank_declaration",
    ),
    path(
        "bank/declarations/<uuid:uuid>/receipt/",
        banks.PresentedReceiptView.as_view(),
        name="bank_declaration_receipt",
    ),
    path("bank/check/", banks.CheckView.as_view(), name="bank_check"),
    path("financings/", banks.FinancingListView.as_view(), name="financings"),
    path("financings/<uuid:uuid>/", banks.FinancingDetailView.as_view(), name="financing"),
    path(
        "financings/<uuid:uuid>/receipt/",
        banks.FinancingReceiptView.as_view(),
        name="financing_receipt",
    ),
    *[
        path(f"financings/<uuid:uuid>/{name}/", view.as_view(), name=f"financing_{name}")
        for name, view in banks.FINANCING_MOVE_VIEWS.items()
    ],
    # Duties and taxes: tax bills, payment agreements, e-payments, guarantees, statements.
    path("bills/", payments.BillListView.as_view(), name="bills"),
    path("bills/<uuid:uuid>/", payments.BillDetailView.as_view(), name="bill"),
    path("bills/<uuid:uuid>/payments/", payments.BillPaymentsView.as_view(), name="bill_payments"),
    path(
        "bills/<uuid:uuid>/guarantee/", payments.BillGuaranteeView.as_view(), name="bill_guarantee"
    ),
    path(
        "bills/<uuid:uuid>/counter-payment/",
        payments.BillCounterPaymentView.as_view(),
        name="bill_counter_payment",
    ),
    path(
        "declarations/<uuid:uuid>/bill/",
        payments.DeclarationBillView.as_view(),
        name="declaration_bill",
    ),
    path("payments/", payments.PaymentListView.as_view(), name="payments"),
    path("payments/<uuid:uuid>/", payments.PaymentDetailView.as_view(), name="payment"),
    path("agreements/", payments.AgreementListView.as_view(), name="agreements"),
    path("agreements/<uuid:uuid>/", payments.AgreementDetailView.as_view(), name="agreement"),
    path("guarantees/", payments.GuaranteeListView.as_view(), name="guarantees"),
    path("guarantees/<uuid:uuid>/", payments.GuaranteeDetailView.as_view(), name="guarantee"),
    *[
        path(f"{noun}s/<uuid:uuid>/{name}/", view.as_view(), name=f"{noun}_{name}")
        for (noun, name), view in payments.STEP_VIEWS.items()
    ],
    path(
        "bank/statements/<str:value_date>/",
        payments.BankStatementView.as_view(),
        name="bank_statement",
    ),
    # Import and export licences: traders apply, licensing officers decide.
    path("licences/", licences.LicenceListView.as_view(), name="licences"),
    path("licences/<uuid:uuid>/", licences.LicenceDetailView.as_view(), name="licence"),
    path(
        "licences/<uuid:uuid>/timeline/",
        licences.LicenceTimelineView.as_view(),
        name="licence_timeline",
    ),
    *[
        path(f"licences/<uuid:uuid>/{segment}/", view.as_view(), name=f"licence_{segment}")
        for segment, view in licences.LICENCE_MOVE_VIEWS.items()
    ],
    # Notifications: the caller's own.
    path("notifications/", notifications.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/read/",
        notifications.NotificationReadAllView.as_view(),
        name="notifications_read_all",
    ),
    path(
        "notifications/<int:pk>/read/",
        notifications.NotificationReadView.as_view(),
        name="notification_read",
    ),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("problems/", docs.problem_types, name="problem_types"),
    path("problems/<slug:kind>", docs.problem_types, name="problem_type"),
    # Anything else under /api/ is a problem+json 404, not the site's HTML page (line breaks in the
    # path included: "." alone would not match them).
    re_path(r"^[\s\S]*$", docs.not_found, name="not_found"),
]
