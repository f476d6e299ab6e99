with source as (

    select * from {{ source('payments', 'payments') }}

)

select
    id as payment_id,
    order_id,
    method as payment_method,
    status as payment_status,
    {{ cents_to_dollars('amount_cents') }} as amount,
    created_at
from source
