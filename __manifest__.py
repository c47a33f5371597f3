{
    "name": "Customer Segmentation",
    "summary": "ABC/XYZ classes on every customer, per company, recomputed on schedule",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "author": "Customer Segmentation contributors",
    "website": "https://github.com/customer-segmentation/customer_segmentation",
    "license": "AGPL-3",
    "development_status": "Alpha",
    "depends": ["sale_management"],
    "external_dependencies": {"python": ["pandas", "numpy", "scipy"]},
    "data": [
        "security/customer_segmentation_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/res_partner_views.xml",
        "views/customer_classification_history_views.xml",
        "views/customer_segment_views.xml",
        "wizards/customer_segment_assign_wizard.xml",
        "views/customer_crosssell_rule_views.xml",
        "views/customer_crosssell_bundle_views.xml",
        "wizards/customer_crosssell_suggestion_wizard.xml",
        "views/res_config_settings_views.xml",
        "views/customer_segmentation_menus.xml",
    ],
    "demo": [
        "demo/customer_segmentation_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "customer_segmentation/static/src/scss/customer_segmentation.scss",
        ],
        "web.assets_tests": [
            "customer_segmentation/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": False,
}
