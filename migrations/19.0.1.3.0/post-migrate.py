def migrate(cr, version):
    """Emails, calls and meetings count as contacts in the cadence analysis,
    as data/mail_activity_type_data.xml sets them on a new install (Odoo's
    own activity types are not updated by an upgrade of this addon)."""
    cr.execute(
        """
        UPDATE mail_activity_type activity_type
           SET segmentation_is_contact = TRUE
          FROM ir_model_data data
         WHERE data.model = 'mail.activity.type' AND data.res_id = activity_type.id
           AND data.module = 'mail'
           AND data.name IN ('mail_activity_data_email', 'mail_activity_data_call', 'mail_activity_data_meeting')
           AND activity_type.segmentation_is_contact IS NULL
        """
    )
