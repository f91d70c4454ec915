#include "dialogs/runsettingsdialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSpinBox>

#include <limits>

namespace coroscope::ui {
namespace {

QLabel* errorLabel(QWidget* parent) {
    // One line, no word wrap: a wrapped label only knows its height after a layout pass, too late
    // for the dialog to grow to it at once.
    auto* label = new QLabel(parent);
    label->setStyleSheet(QStringLiteral("QLabel { color: #cf222e; }"));
    return label;
}

} // namespace

RunSettingsDialog::RunSettingsDialog(const RunRequest& current, QWidget* parent)
    : QDialog(parent)
    , m_current(current)
    , m_form(new QFormLayout(this))
    , m_runNote(new QLabel(this))
    , m_threshold(new QSpinBox(this))
    , m_duration(new QSpinBox(this))
    , m_seed(new QLineEdit(this))
    , m_seedError(errorLabel(this))
    , m_params(new QLineEdit(this))
    , m_paramsError(errorLabel(this)) {
    setWindowTitle(tr("Run Settings"));
    m_threshold->setRange(1, 60'000);
    m_threshold->setSuffix(tr(" ms"));
    m_threshold->setValue(int(current.slowThreshold.count()));
    m_duration->setRange(0, 24 * 3600);
    m_duration->setSuffix(tr(" s"));
    m_duration->setSpecialValueText(tr("until main returns"));
    m_duration->setValue(int(current.duration.count() / 1000));
    m_seed->setPlaceholderText(tr("0"));
    m_seed->setToolTip(tr("A whole number from 0 to 18446744073709551615: the same seed gives the same "
                          "random() and randint() values."));
    if (current.seed)
        m_seed->setText(QString::number(*current.seed));
    QStringList params;
    for (const auto& [key, value] : current.params)
        params << key + u'=' + value;
    m_params->setText(params.join(QStringLiteral(", ")));
    m_params->setPlaceholderText(tr("key=value, key=value"));
    // Room for a 20-digit seed and a few parameters without scrolling inside the fields.
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
    m_seed->setMinimumWidth(em * 20);
    m_params->setMinimumWidth(em * 30);
    m_runNote->setText(tr("A run is in progress: a new slow-callback threshold applies to it at once;\n"
                          "the duration, the seed and the parameters apply from the next run."));
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_form->addRow(m_runNote);
    m_form->addRow(tr("Slow-callback threshold"), m_threshold);
    m_form->addRow(tr("Duration"), m_duration);
    m_form->addRow(tr("Seed"), m_seed);
    m_form->addRow(QString(), m_seedError);
    m_form->addRow(tr("Parameters"), m_params);
    m_form->addRow(QString(), m_paramsError);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &RunSettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    m_form->addRow(buttons);
    m_form->setRowVisible(m_runNote, false);
    m_form->setRowVisible(m_seedError, false);
    m_form->setRowVisible(m_paramsError, false);
    // An error goes once its field is edited: it was about the text that is no longer there.
    connect(m_seed, &QLineEdit::textEdited, this, [this] { showError(m_seed, m_seedError, QString()); });
    connect(m_params, &QLineEdit::textEdited, this,
            [this] { showError(m_params, m_paramsError, QString()); });
}

void RunSettingsDialog::setRunInProgress(bool running) {
    m_form->setRowVisible(m_runNote, running);
    const auto label = [this](QWidget* field, const QString& text) {
        if (auto* l = qobject_cast<QLabel*>(m_form->labelForField(field)))
            l->setText(text);
    };
    label(m_threshold, running ? tr("Slow-callback threshold (now)") : tr("Slow-callback threshold"));
    label(m_duration, running ? tr("Duration (next run)") : tr("Duration"));
    label(m_seed, running ? tr("Seed (next run)") : tr("Seed"));
    label(m_params, running ? tr("Parameters (next run)") : tr("Parameters"));
    adjustSize();
}

std::optional<QString> RunSettingsDialog::checkSeed(std::optional<std::uint64_t>* seed) const {
    seed->reset();
    const QString text = m_seed->text().trimmed();
    if (text.isEmpty())
        return std::nullopt;
    // Digits only: toULongLong() alone would take "+5"; it still catches what overflows 64 bits.
    static const QRegularExpression digits(QStringLiteral("^[0-9]+$"));
    bool ok = false;
    const qulonglong value = digits.match(text).hasMatch() ? text.toULongLong(&ok) : 0;
    if (!ok)
        return tr("'%1' is not a whole number from 0 to %2")
            .arg(m_seed->text(), QString::number(std::numeric_limits<std::uint64_t>::max()));
    *seed = value;
    return std::nullopt;
}

std::optional<QString>
RunSettingsDialog::checkParams(std::vector<std::pair<QString, QString>>* params) const {
    params->clear();
    for (const QString& part : m_params->text().split(u',', Qt::SkipEmptyParts)) {
        const QString kv = part.trimmed();
        const qsizetype eq = kv.indexOf(u'=');
        if (eq <= 0)
            return tr("'%1' is not key=value").arg(kv);
        params->emplace_back(kv.left(eq).trimmed(), kv.mid(eq + 1).trimmed());
    }
    return std::nullopt;
}

std::optional<RunRequest> RunSettingsDialog::apply(RunRequest base, QString* error) const {
    base.slowThreshold = std::chrono::milliseconds(m_threshold->value());
    base.duration = std::chrono::milliseconds(qint64(m_duration->value()) * 1000);
    if (const auto problem = checkSeed(&base.seed)) {
        *error = tr("Seed: %1").arg(*problem);
        return std::nullopt;
    }
    if (const auto problem = checkParams(&base.params)) {
        *error = tr("Parameters: %1").arg(*problem);
        return std::nullopt;
    }
    return base;
}

void RunSettingsDialog::accept() {
    // Both fields are checked, so that both errors show at once.
    std::optional<std::uint64_t> seed;
    std::vector<std::pair<QString, QString>> params;
    const std::optional<QString> seedProblem = checkSeed(&seed);
    const std::optional<QString> paramsProblem = checkParams(&params);
    showError(m_seed, m_seedError, seedProblem.value_or(QString()));
    showError(m_params, m_paramsError, paramsProblem.value_or(QString()));
    if (seedProblem || paramsProblem) {
        // Stay open with the user's text as typed: the fix is usually one character.
        QLineEdit* bad = seedProblem ? m_seed : m_params;
        bad->setFocus();
        bad->selectAll();
        return;
    }
    QString unused;
    m_accepted = apply(m_current, &unused);
    QDialog::accept();
}

void RunSettingsDialog::showError(QLineEdit* field, QLabel* label, const QString& error) {
    label->setText(error);
    m_form->setRowVisible(label, !error.isEmpty());
    field->setStyleSheet(error.isEmpty() ? QString()
                                         : QStringLiteral("QLineEdit { border: 1px solid #cf222e; }"));
}

QString RunSettingsDialog::seedError() const {
    return m_seedError->isHidden() ? QString() : m_seedError->text();
}

QString RunSettingsDialog::paramsError() const {
    return m_paramsError->isHidden() ? QString() : m_paramsError->text();
}

} // namespace coroscope::ui
