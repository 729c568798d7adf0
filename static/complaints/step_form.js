'use strict';
// The reply step: the apology and rectification notice (#at-fault) only when "bank at fault"
// is ticked. Without scripts both show, and the service says what a reply at fault lacks.
{
    const atFault = document.getElementById('id_bank_at_fault');
    const group = document.getElementById('at-fault');
    if (atFault && group) {
        const show = () => { group.hidden = !atFault.checked; };
        atFault.addEventListener('change', show);
        show();
    }
}
