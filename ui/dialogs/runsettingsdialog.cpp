#include "dialogs/runsettingsdialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>

namespace coroscope::ui {

RunSettingsDialog::RunSettingsDialog(const RunRequest& current, QWidget* parent)
    : QDialog(parent)
    , m_threshold(new QSpinBox(this))
    , m_duration(new QSpinBox(this))
    , m_seed(new QLineEdit(this))
    , m_params(new QLineEdit(this)) {
    setWindowTitle(tr("Run Settings"));
    m_threshold->setRange(1, 60'000);
    m_threshold->setSuffix(tr(" ms"));
    m_threshold->setValue(int(current.slowThreshold.count()));
    m_duration->setRange(0, 24 * 3600);
    m_duration->setSuffix(tr(" s"));
    m_duration->setSpecialValueText(tr("until main returns"));
    m_duration->setValue(int(current.duration.count() / 1000));
    m_seed->setPlaceholderText(tr("0"));
    if (current.seed)
        m_seed->setText(QString::number(*current.seed));
    QStringList params;
    for (const auto& [key, value] : current.params)
        params << key + u'=' + value;
    m_params->setText(params.join(QStringLiteral(", ")));
    m_params->setPlaceholderText(tr("key=value, key=value"));
    auto* form = new QFormLayout(this);
    form->addRow(tr("Slow-callback threshold"), m_threshold);
    form->addRow(tr("Duration"), m_duration);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(tr("Parameters"), m_params);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

std::optional<RunRequest> RunSettingsDialog::apply(RunRequest base, QString* error) const {
    base.slowThreshold = std::chrono::milliseconds(m_threshold->value());
    base.duration = std::chrono::milliseconds(qint64(m_duration->value()) * 1000);
    base.seed.reset();
    if (!m_seed->text().trimmed().isEmpty()) {
        bool ok = false;
        const qulonglong seed = m_seed->text().trimmed().toULongLong(&ok);
        if (!ok) {
            *error = tr("Seed: '%1' is not a whole number").arg(m_seed->text());
            return std::nullopt;
        }
        base.seed = seed;
    }
    base.params.clear();
    for (const QString& part : m_params->text().split(u',', Qt::SkipEmptyParts)) {
        const QString kv = part.trimmed();
        const qsizetype eq = kv.indexOf(u'=');
        if (eq <= 0) {
            *error = tr("Parameters: '%1' is not key=value").arg(kv);
            return std::nullopt;
        }
        base.params.emplace_back(kv.left(eq).trimmed(), kv.mid(eq + 1).trimmed());
    }
    return base;
}

} // namespace coroscope::ui
